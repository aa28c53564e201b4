"""Clause checklists: the school and the reviewer tick which clauses of an item are met; for a
compliance item the ticks suggest a status and the page flags a chosen status that differs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import AssessmentStatus, ClauseCheck, ClauseSide
from indicators.models import Node
from smartcampus.errors import Conflict, Invalid, Refused
from tests.factories import fill_and_submit, small_compliance_framework

from .conftest import make_campaign, response

# 正版化软件服务 (Beijing higher education 1.3.7), verbatim, with its remark
TEXT = (
    "（1）建立操作系统、应用软件、数据库等正版化软件管理平台，倡导使用国产化软件，为师生提供正版化软件服务。"
    "（2）做好正版软件管理工作，大力推广正版化软件应用，规范使用正版软件行为，保护知识产权，"
    "提高软件资源使用效率，保障信息系统安全高效运行。"
    "（3）针对软件正版化工作成立领导小组、建章立制、梳理工作思路、明晰工作标准、规范工作流程。"
    "（4）制定并签署《使用正版软件承诺书》。"
    "（5）对于师生在教学、科研中通用常用的正版软件，可集中购置授权，为师生提供正版化软件服务。"
)
NOTE = "第（5）条选配"


@pytest.fixture
def clause_assessment(world):
    framework = small_compliance_framework()
    Node.objects.filter(framework=framework, code="1.1").update(
        name="正版化软件服务", text=TEXT, note=NOTE, optional_clauses=[5]
    )
    Node.objects.filter(framework=framework, code="2.1").update(
        note="校园网带宽应结合学校实际需求，原则上人均带宽不低于1M。"
    )
    campaign = make_campaign(world, framework, title="2026年甲市达标自评")
    return campaign.assessments.get(school=world.school_a1)


def save(r, side, met, user, version=None):
    check = ClauseCheck.objects.filter(response=r, side=side).first()
    return services.clause_check_save(
        response=r,
        side=side,
        met=met,
        version=check.version if version is None and check else version or 0,
        acting_user=user,
    )


def test_school_ticks_are_saved_with_a_version_and_history(world, clause_assessment):
    r = response(clause_assessment, "1.1")
    check = save(r, ClauseSide.SELF, ["2", "1", "1"], world.users["cio"])
    assert check.met == [1, 2] and check.version == 1 and check.updated_by == world.users["cio"]
    check = save(r, ClauseSide.SELF, [1, 2, 3, 4], world.users["cio"])
    assert check.version == 2
    assert [h.met for h in check.history.order_by("history_date")] == [[1, 2], [1, 2, 3, 4]]
    assert check.history.first().history_user == world.users["cio"]
    r.refresh_from_db()
    assert r.version == 1 and r.self_status is None  # ticks never change the answer


def test_stale_version_is_refused_and_nothing_written(world, clause_assessment):
    r = response(clause_assessment, "1.1")
    save(r, ClauseSide.SELF, [1], world.users["cio"])
    with pytest.raises(Conflict) as exc:
        save(r, ClauseSide.SELF, [1, 2], world.users["cio"], version=0)
    assert exc.value.status_code == 409 and exc.value.current.met == [1]
    assert ClauseCheck.objects.get(response=r).met == [1]


def test_invalid_clause_numbers_and_items_without_clauses(world, clause_assessment):
    r = response(clause_assessment, "1.1")
    with pytest.raises(Invalid):
        save(r, ClauseSide.SELF, [6], world.users["cio"])
    with pytest.raises(Invalid):
        save(r, ClauseSide.SELF, ["x"], world.users["cio"])
    with pytest.raises(Invalid):
        save(response(clause_assessment, "1.2"), ClauseSide.SELF, [1], world.users["cio"])
    assert not ClauseCheck.objects.exists()


def test_scope_and_state(world, clause_assessment):
    r = response(clause_assessment, "1.1")
    with pytest.raises(Refused):
        save(r, ClauseSide.SELF, [1], world.users["other_cio"])
    with pytest.raises(Refused):
        save(r, ClauseSide.SELF, [1], world.users["reviewer"])
    with pytest.raises(Refused):  # a draft is outside every reviewer's scope
        save(r, ClauseSide.REVIEW, [1], world.users["reviewer"])
    fill_and_submit(clause_assessment, world.users["cio"])
    with pytest.raises(Conflict):  # submitted: the school can no longer change it
        save(r, ClauseSide.SELF, [1], world.users["cio"])
    with pytest.raises(Refused):
        save(r, ClauseSide.REVIEW, [1], world.users["other_reviewer"])
    check = save(r, ClauseSide.REVIEW, [1, 2, 3], world.users["reviewer"])
    assert check.met == [1, 2, 3]
    clause_assessment.refresh_from_db()
    assert clause_assessment.status == AssessmentStatus.IN_REVIEW  # like a first verdict
    type(clause_assessment).objects.filter(pk=clause_assessment.pk).update(status=AssessmentStatus.FINALISED)
    with pytest.raises(Conflict):  # the review is over
        save(r, ClauseSide.REVIEW, [1], world.users["reviewer"])


def item_url(a, code="1.1"):
    return reverse("assessments:assessment-item", args=[a.pk, code])


def test_item_page_shows_remark_checklist_suggestion_and_mismatch(
    world, client_for, clause_assessment, django_assert_max_num_queries
):
    r = response(clause_assessment, "1.1")
    services.response_update(response=r, acting_user=world.users["cio"], version=r.version, self_status="met")
    client = client_for("cio")
    with django_assert_max_num_queries(13):
        html = client.get(item_url(clause_assessment)).content.decode()
    assert html.count('data-testid="clause-row"') == 5
    assert 'data-testid="clause-optional"' in html  # （5） 选配
    assert "备注" in html and NOTE in html
    assert "clause-mismatch" not in html  # nothing ticked yet: no suggestion

    answer = client.post(
        reverse("assessments:assessment-item-clauses", args=[clause_assessment.pk, "1.1"]),
        {"version": "0", "met": ["1", "2", "5"]},
    )
    assert answer["X-Save-Status"] == "200"
    body = answer.content.decode()
    assert "已保存" in body and "部分达标" in body and "与条款勾选结果不一致" in body

    html = client.get(item_url(clause_assessment)).content.decode()
    assert "与条款勾选结果不一致" in html
    # ticking every required clause (the optional （5） does not matter) removes the flag
    answer = client.post(
        reverse("assessments:assessment-item-clauses", args=[clause_assessment.pk, "1.1"]),
        {"version": "1", "met": ["1", "2", "3", "4"]},
    )
    assert "与条款勾选结果不一致" not in answer.content.decode()
    assert "建议" in answer.content.decode()

    html = client.get(item_url(clause_assessment, "2.1")).content.decode()
    assert "人均带宽不低于1M" in html and 'data-testid="clause-row"' not in html


def test_a_refused_save_never_says_saved(world, client_for, clause_assessment):
    url = reverse("assessments:assessment-item-clauses", args=[clause_assessment.pk, "1.1"])
    client = client_for("cio")
    client.post(url, {"version": "0", "met": ["1"]})
    stale = client.post(url, {"version": "0", "met": ["1", "2"]})
    assert stale["X-Save-Status"] == "409"
    assert "已保存" not in stale.content.decode() and "未保存" in stale.content.decode()
    bad = client.post(url, {"version": "1", "met": ["9"]})
    assert bad["X-Save-Status"] == "400" and "已保存" not in bad.content.decode()
    assert client_for("other_cio").post(url, {"version": "1", "met": ["1"]}).status_code == 404


def test_answer_save_updates_the_mismatch_flag(world, client_for, clause_assessment):
    client = client_for("cio")
    client.post(
        reverse("assessments:assessment-item-clauses", args=[clause_assessment.pk, "1.1"]),
        {"version": "0", "met": ["1"]},
    )
    answer = client.post(
        reverse("assessments:assessment-item-save", args=[clause_assessment.pk, "1.1"]),
        {"version": "1", "self_status": "met"},
    )
    assert answer["X-Save-Status"] == "200"
    assert 'id="clause-suggestion-self"' in answer.content.decode()
    assert "与条款勾选结果不一致" in answer.content.decode()


def test_review_page_shows_the_schools_ticks_beside_the_reviewers(
    world, client_for, clause_assessment, django_assert_max_num_queries
):
    r = response(clause_assessment, "1.1")
    save(r, ClauseSide.SELF, [1, 2, 3, 4], world.users["cio"])
    fill_and_submit(clause_assessment, world.users["cio"])
    client = client_for("reviewer")
    url = reverse("assessments:review-item", args=[clause_assessment.pk, "1.1"])
    with django_assert_max_num_queries(30):
        html = client.get(url).content.decode()
    assert 'data-testid="clause-checklist-review"' in html
    assert html.count('data-testid="clause-other"') == 5 and NOTE in html
    answer = client.post(
        reverse("assessments:review-item-clauses", args=[clause_assessment.pk, "1.1"]),
        {"version": "0", "met": ["1"]},
    )
    assert answer["X-Save-Status"] == "200" and "部分达标" in answer.content.decode()
    # the reviewer accepts the school's 达标 → differs from the reviewer's own ticks
    answer = client.post(
        reverse("assessments:review-item-save", args=[clause_assessment.pk, "1.1"]),
        {"version": str(response(clause_assessment, "1.1").version), "verdict": "accept"},
    )
    assert answer["X-Save-Status"] == "200"
    assert "与条款勾选结果不一致" in answer.content.decode()


def test_points_items_get_monitoring_points_as_guidance_without_a_suggestion(
    world, client_for, points_assessment
):
    client = client_for("cio")
    html = client.get(item_url(points_assessment, "1.1")).content.decode()
    assert 'data-testid="clause-checklist-self"' in html and html.count('data-testid="clause-row"') == 2
    answer = client.post(
        reverse("assessments:assessment-item-clauses", args=[points_assessment.pk, "1.1"]),
        {"version": "0", "met": ["2"]},
    )
    body = answer.content.decode()
    assert answer["X-Save-Status"] == "200" and "已勾选 1 / 2 个监测点" in body
    assert "建议" not in body
