"""Each role sees exactly its scope; anything outside answers 404, like an object that does not exist."""

import pytest
from django.urls import reverse

# role → schools (by world attribute) it may open
VISIBLE = {
    "cio": {"school_a1"},
    "other_cio": {"school_a2"},
    "reviewer": {"school_a1", "school_a1b"},
    "other_reviewer": {"school_a2"},
    "commission": {"school_a1", "school_a1b", "school_a2"},
    "other_commission": {"school_b1"},
}
ALL_SCHOOLS = ("school_a1", "school_a1b", "school_a2", "school_b1")


@pytest.mark.parametrize("role", sorted(VISIBLE))
@pytest.mark.parametrize("school_attr", ALL_SCHOOLS)
def test_school_detail_is_404_outside_scope(world, client_for, role, school_attr):
    school = getattr(world, school_attr)
    response = client_for(role).get(reverse("assessments:school-detail", args=[school.pk]))
    expected = 200 if school_attr in VISIBLE[role] else 404
    assert response.status_code == expected
    if expected == 200:
        assert school.name in response.content.decode()


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_school_list_shows_only_scope(world, client_for, role):
    html = client_for(role).get(reverse("assessments:school-list")).content.decode()
    for attr in ALL_SCHOOLS:
        assert (getattr(world, attr).name in html) == (attr in VISIBLE[role]), attr


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_school_api_is_scoped(world, client_for, role):
    client = client_for(role)
    listed = {row["code"] for row in client.get("/api/schools/").json()["results"]}
    assert listed == {getattr(world, attr).code for attr in VISIBLE[role]}
    for attr in ALL_SCHOOLS:
        status = client.get(f"/api/schools/{getattr(world, attr).pk}/").status_code
        assert status == (200 if attr in VISIBLE[role] else 404)


def test_anonymous_is_sent_to_login(world, client_for):
    client = client_for("anonymous")
    response = client.get(reverse("assessments:school-detail", args=[world.school_a1.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get("/api/schools/").status_code == 401


def test_user_with_two_memberships_sees_the_union(world, client_for):
    from assessments.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.users["cio"], role=Role.SCHOOL_CIO, school=world.school_b1)
    listed = {row["code"] for row in client_for("cio").get("/api/schools/").json()["results"]}
    assert listed == {world.school_a1.code, world.school_b1.code}


def test_region_pages_and_import_are_commission_only(world, client_for):
    assert client_for("commission").get(reverse("assessments:import-index")).status_code == 200
    for role in ("cio", "reviewer"):
        assert client_for(role).get(reverse("assessments:import-index")).status_code == 404


def test_school_search_and_pagination(world, client_for):
    from tests.factories import SchoolFactory

    for i in range(30):
        SchoolFactory(code=f"EXTRA{i:03d}", name=f"甲一区附加学校{i:02d}", region=world.district_a1)
    client = client_for("commission")
    page1 = client.get(reverse("assessments:school-list"), {"q": "附加"}).content.decode()
    assert "共 30 所学校" in page1 and "第 1–25 条" in page1 and "page=2" in page1
    only_one = client.get(reverse("assessments:school-list"), {"q": "EXTRA007"}).content.decode()
    assert "甲一区附加学校07" in only_one and "共 1 所学校" in only_one


def test_school_list_query_count_is_constant(world, client_for, django_assert_max_num_queries):
    from tests.factories import SchoolFactory

    client = client_for("commission")
    for i in range(40):
        SchoolFactory(code=f"QC{i:03d}", region=world.district_a2)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("assessments:school-list")).status_code == 200


def test_school_page_links_to_its_evidence_library(world, client_for):
    html = (
        client_for("cio")
        .get(reverse("assessments:school-detail", args=[world.school_a1.pk]))
        .content.decode()
    )
    assert reverse("evidence:library", args=[world.school_a1.pk]) in html
