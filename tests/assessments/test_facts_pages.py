"""The 「学校基本情况」 tab, the 「自动校验」 panels, the queue's badge, the submit page and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.models import Assessment, AssessmentStatus

from .conftest import response
from .facts_support import answer_all, ruled_campaign


@pytest.fixture
def assessment(world):
    campaign = ruled_campaign(world)
    return Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )


def version(assessment, code) -> int:
    record = selectors.fact_records(assessment=assessment).get(code)
    return record.version if record else 0


def save(client, assessment, code, value, v=None):
    return client.post(
        reverse("assessments:assessment-fact-save", args=[assessment.pk, code]),
        {"value": value, "version": version(assessment, code) if v is None else v},
    )


def record(assessment, user, **values):
    services.fact_values_set(
        assessment=assessment,
        values=values,
        versions={code: version(assessment, code) for code in values},
        acting_user=user,
    )


def claim_full_marks(assessment, user, code):
    r = response(assessment, code)
    services.response_update(response=r, acting_user=user, version=r.version, self_score=str(r.node.points))


def test_the_tab_asks_for_the_facts_the_rules_read_and_the_basics(
    world, assessment, client_for, django_assert_max_num_queries
):
    client = client_for("cio")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("assessments:assessment-facts", args=[assessment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    sheet = page.context["sheet"]
    codes = [f.code for f in sheet.fields]
    assert codes[:4] == ["students", "teachers", "staff", "classes"]
    assert {"uplink_mbps", "teacher_pcs", "student_pcs"} <= set(codes)
    assert "wifi_coverage_pct" not in codes  # read by no rule of this framework, not a basic
    assert sheet.by_code["uplink_mbps"].used_by == ["1.1"]
    assert sheet.by_code["students"].used_by == ["2.1", "2.2"]
    assert "学校类型：小学（取自学校信息）" in html
    assert 'data-testid="fact-checks"' in html and "缺少出口带宽（Mbps）" in html


def test_autosave_records_a_fact_and_refreshes_the_checks(world, assessment, client_for):
    client = client_for("cio")
    answer = save(client, assessment, "uplink_mbps", "500")
    assert answer.status_code == 200 and answer["X-Save-Status"] == "200"
    html = answer.content.decode()
    assert "已保存" in html and 'id="fact-version-uplink_mbps"' in html and 'value="1"' in html
    assert "不符合：出口带宽 500 Mbps" in html  # the checks card, out of band
    assert 'id="facts-filled"' in html and "已填 1 /" in html
    assert selectors.fact_records(assessment=assessment)["uplink_mbps"].value == 500


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("students", "12.5", "在校学生数应为整数（12.5）"),
        ("students", "一千", "在校学生数“一千”不是数字"),
        ("teacher_pcs", "-1", "教师用计算机数不能为负数（-1）"),
    ],
)
def test_autosave_explains_an_invalid_value_in_chinese(world, assessment, client_for, code, value, message):
    answer = save(client_for("cio"), assessment, code, value)
    assert answer.status_code == 200 and answer["X-Save-Status"] == "400"
    html = answer.content.decode()
    assert message in html and "已保存的数值未改变" in html and "已保存 " not in html
    assert selectors.fact_records(assessment=assessment) == {}


def test_autosave_refuses_a_stale_version_and_a_submitted_assessment(world, assessment, client_for):
    client = client_for("cio")
    record(assessment, world.users["cio"], students="1200")
    answer = save(client, assessment, "students", "900", v=0)
    assert answer["X-Save-Status"] == "409"
    assert "已在其他窗口或由他人修改" in answer.content.decode() and "1200 人" in answer.content.decode()
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    answer = save(client, assessment, "students", "900")
    assert answer["X-Save-Status"] == "409" and "学校基本情况不能再修改" in answer.content.decode()
    page = client.get(reverse("assessments:assessment-facts", args=[assessment.pk])).content.decode()
    assert 'data-testid="locked"' in page and "<fieldset disabled>" in page


def test_an_unknown_fact_in_the_address_does_not_exist(world, assessment, client_for):
    assert save(client_for("cio"), assessment, "made_up", "1").status_code == 404


@pytest.fixture
def submitted(world, assessment):
    cio = world.users["cio"]
    record(assessment, cio, uplink_mbps="500", students="1200", student_pcs="100")
    answer_all(assessment, cio)
    return services.assessment_submit(assessment=assessment, acting_user=cio)


def test_the_reviewer_marks_a_fact_doubtful_on_the_tab(world, submitted, client_for):
    client = client_for("reviewer")
    url = reverse("assessments:assessment-fact-doubt", args=[submitted.pk, "uplink_mbps"])
    refused = client.post(url, {"version": "1", "doubtful": "1", "comment": ""})
    assert refused.status_code == 400 and "标记存疑须填写说明" in refused.content.decode()
    done = client.post(url, {"version": "1", "doubtful": "1", "comment": "合同写的是 300M"})
    assert done.status_code == 302 and done["Location"].endswith("#fact-uplink_mbps")
    page = client.get(done["Location"]).content.decode()
    assert "评审专家存疑" in page and "合同写的是 300M" in page and 'data-testid="doubt-form"' in page
    # the school does not see the doubt while the review runs; the history does keep it
    cio_page = client_for("cio").get(reverse("assessments:assessment-facts", args=[submitted.pk]))
    assert "合同写的是 300M" not in cio_page.content.decode().split('data-testid="fact-history"')[0]
    stale = client.post(url, {"version": "1", "doubtful": "", "comment": ""})
    assert stale.status_code == 409


def test_the_item_panels_show_the_verdict_the_numbers_and_the_clause(world, assessment, client_for):
    cio = world.users["cio"]
    record(assessment, cio, uplink_mbps="500")
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "1.1")
    html = client_for("cio").get(reverse("assessments:assessment-item", args=[assessment.pk, "1.1"])).content
    html = html.decode()
    assert 'data-testid="fact-check-panel"' in html
    assert "✗ 不符合" in html and "出口带宽 500 Mbps（千兆 = 1000 Mbps）" in html
    assert "「指标1.1.1的要求原文」" in html and "阻止提交" in html
    assert 'data-testid="claim-contradicted"' in html
    other = client_for("cio").get(reverse("assessments:assessment-item", args=[assessment.pk, "2.1"]))
    assert "? 无法判断" in other.content.decode() and "缺少在校学生数（人）、学生用计算机/终端数（台）" in (
        other.content.decode()
    )


def test_the_submit_page_lists_failures_and_the_submission_refuses_a_contradicted_claim(
    world, assessment, client_for
):
    cio = world.users["cio"]
    record(assessment, cio, uplink_mbps="500", teachers="80", teacher_pcs="40")
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "1.1")
    client = client_for("cio")
    url = reverse("assessments:assessment-submit", args=[assessment.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="submit-refusing"' in html and 'data-testid="submit-advisory"' in html
    refused = client.post(url)
    assert refused.status_code == 400 and "自评为达标或满分，但自动校验不符合" in refused.content.decode()
    r = response(assessment, "1.1")
    services.response_update(response=r, acting_user=cio, version=r.version, self_score="2")
    html = client.get(url).content.decode()
    assert 'data-testid="submit-refusing"' not in html and "专任教师 80 人，教师用计算机 40 台" in html
    assert client.post(url).status_code == 302


def test_the_queue_badges_contradicted_claims_and_the_review_item_shows_the_numbers(
    world, assessment, client_for
):
    cio = world.users["cio"]
    record(assessment, cio, uplink_mbps="500")
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "1.1")
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    client = client_for("reviewer")
    queue = client.get(reverse("assessments:review-queue")).content.decode()
    assert 'data-testid="claim-badge"' in queue and "1 项自评与自动校验不符" in queue
    item = client.get(reverse("assessments:review-item", args=[assessment.pk, "1.1"])).content.decode()
    assert "出口带宽 500 Mbps" in item and 'data-testid="claim-contradicted"' in item


# --- API ------------------------------------------------------------------------------------------------


def test_api_reads_and_writes_facts_with_versions(world, assessment, client_for):
    client = client_for("cio")
    url = f"/api/assessment-facts/{assessment.pk}/"
    body = client.get(url).json()
    assert body["school_type"] == "primary" and body["school_type_display"] == "小学"
    students = next(f for f in body["facts"] if f["code"] == "students")
    assert students == {
        "code": "students",
        "label": "在校学生数",
        "unit": "人",
        "kind": "integer",
        "value": None,
        "text": "未填",
        "version": 0,
        "source": None,
        "updated_at": None,
        "used_by": ["2.1", "2.2"],
        "editable": True,
        "doubt": None,
    }
    patched = client.patch(
        url,
        {
            "values": {"students": 1200, "uplink_mbps": "1000.5"},
            "versions": {"students": 0, "uplink_mbps": 0},
        },
        content_type="application/json",
    )
    assert patched.status_code == 200
    facts = {f["code"]: f for f in patched.json()["facts"]}
    assert facts["students"]["value"] == 1200 and facts["students"]["version"] == 1
    assert facts["uplink_mbps"]["value"] == 1000.5 and facts["uplink_mbps"]["text"] == "1000.5 Mbps"

    stale = client.patch(
        url, {"values": {"students": 1300}, "versions": {"students": 0}}, content_type="application/json"
    )
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert (
        error["code"] == "conflict" and error["current"]["value"] == 1200 and error["current"]["version"] == 1
    )

    invalid = client.patch(
        url, {"values": {"students": "12.5"}, "versions": {"students": 1}}, content_type="application/json"
    )
    assert invalid.status_code == 400
    assert invalid.json()["error"]["fields"]["students"] == ["在校学生数应为整数（12.5）"]
    missing = client.patch(url, {"values": {"students": 1}}, content_type="application/json")
    assert missing.status_code == 400 and "versions" in missing.json()["error"]["fields"]


def test_api_reads_the_rule_results(world, assessment, client_for):
    record(assessment, world.users["cio"], uplink_mbps="1000", students="700", student_pcs="100")
    body = client_for("reviewer").get(f"/api/assessment-facts/{assessment.pk}/checks/").json()
    assert body["framework"] == assessment.campaign.framework.code
    results = {r["rule"]: r for r in body["results"]}
    assert results["gigabit"]["passed"] is True and results["gigabit"]["items"] == ["1.1"]
    assert results["pc-ratio"]["status"] == "pass" and results["pc-ratio"]["message"].startswith(
        "符合：生机比 7:1"
    )
    assert results["teacher-pcs"]["passed"] is None and results["teacher-pcs"]["missing"] == [
        "teachers",
        "teacher_pcs",
    ]
    assert {"label": "出口带宽", "name": "uplink_mbps", "text": "1000 Mbps"} in results["gigabit"]["numbers"]


def test_api_writes_are_the_cios_only(world, assessment, client_for):
    url = f"/api/assessment-facts/{assessment.pk}/"
    payload = {"values": {"students": 1}, "versions": {"students": 0}}
    for role in ("reviewer", "commission", "other_cio"):
        assert client_for(role).patch(url, payload, content_type="application/json").status_code == 404
