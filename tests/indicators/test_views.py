"""Framework pages and API: every logged-in role reads them; anonymous users do not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ROLES

LOGGED_IN = [r for r in ROLES if r != "anonymous"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    ["/frameworks/", "/frameworks/zibo-k12/", "/frameworks/beijing-higher/?version=1"],
)
def test_pages_for_every_role(frameworks, client_for, role, url):
    response = client_for(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url", ["/api/frameworks/", "/api/frameworks/zibo-k12/", "/api/frameworks/zibo-k12/nodes/"]
)
def test_api_for_every_role(frameworks, client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == (401 if role == "anonymous" else 200)


def test_unknown_framework_is_404(frameworks, client_for):
    assert client_for("cio").get("/frameworks/nope/").status_code == 404
    assert client_for("cio").get("/frameworks/zibo-k12/?version=9").status_code == 404
    assert client_for("cio").get("/api/frameworks/nope/").status_code == 404


def test_list_page_shows_all_four(frameworks, client_for):
    html = client_for("cio").get("/frameworks/").content.decode()
    for name in (
        "北京市中小学智慧校园建设规范评价指标",
        "北京市高等学校智慧校园建设规范",
        "淄博市",
        "浙江省",
    ):
        assert name in html
    assert "指标体系" in html  # nav link


def test_detail_page_shows_markers_and_texts(frameworks, client_for):
    html = client_for("commission").get("/frameworks/beijing-k12/").content.decode()
    assert "普适性数字终端环境" in html
    assert "推定值" in html and "数据说明" in html
    assert "原文提取丢失该二级指标名称与分值" in html  # the note is on the page (hover + expand)
    assert "综合评估" in html  # starred dimensions
    assert "学校有光纤接入互联网或教育城域网，千兆进校、百兆进班；" in html
    assert 'id="node-search"' in html and 'data-bs-toggle="collapse"' in html
    higher = client_for("cio").get("/frameworks/beijing-higher/").content.decode()
    assert "可选条款（" in higher and ">可选<" in higher and "必达" in higher


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_framework_page_uses_a_constant_number_of_queries(
    frameworks, client_for, django_assert_max_num_queries
):
    client = client_for("commission")
    small = page_queries(client, "/frameworks/zibo-k12/")  # 101 nodes
    large = page_queries(client, "/frameworks/beijing-higher/")  # 218 nodes
    assert small == large
    with django_assert_max_num_queries(10):
        client.get("/frameworks/beijing-higher/")


def test_api_queries_are_constant(frameworks, client_for, django_assert_max_num_queries):
    client = client_for("cio")
    with django_assert_max_num_queries(10):
        client.get("/api/frameworks/")
    with django_assert_max_num_queries(10):
        client.get("/api/frameworks/beijing-higher/")
    with django_assert_max_num_queries(10):
        client.get("/api/frameworks/beijing-higher/nodes/")


def test_api_detail_has_nested_tree_in_the_fixture_shape(frameworks, client_for):
    data = client_for("cio").get("/api/frameworks/zibo-k12/").json()
    assert data["scoring"] == "points" and data["total_points"] == 110
    first = data["nodes"][0]
    assert first["code"] == "1" and first["points"] == 24 and first["name"] == "智慧环境"
    assert first["children"][0]["children"][0]["code"] == "1.1.1"
    assert first["children"][0]["children"][0]["level"] == 3


def test_api_list_and_nodes_pagination(frameworks, client_for):
    client = client_for("cio")
    listing = client.get("/api/frameworks/").json()
    assert {f["code"] for f in listing["results"]} == {
        "beijing-k12",
        "beijing-higher",
        "zibo-k12",
        "zhejiang-k12",
    }
    higher = next(f for f in listing["results"] if f["code"] == "beijing-higher")
    assert higher["node_count"] == 218 and higher["leaf_count"] == 173 and higher["total_points"] is None
    page1 = client.get("/api/frameworks/beijing-higher/nodes/").json()
    assert page1["count"] == 218 and len(page1["results"]) == 50 and page1["next"]
    assert page1["results"][1]["parent_code"] == "1" and page1["results"][0]["parent_code"] is None


def test_nodes_with_format_suffix_is_not_a_server_error(frameworks, client_for):
    """Regression (permission matrix): /nodes.json crashed with TypeError on the `format` kwarg."""
    r = client_for("cio").get("/api/frameworks/zibo-k12/nodes.json")
    assert r.status_code == 200 and r.json()["count"] > 0
