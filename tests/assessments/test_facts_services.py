"""The school's facts through the services: who may write them when, versions, cleaning, history,
the reviewer's doubts, the inventory as a source, and the submission refusing contradicted claims."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import selectors, services
from assessments.freshness import campaign_data_version
from assessments.models import Assessment, AssessmentStatus, FactSource, FactValue
from smartcampus.errors import Conflict, Invalid, Refused

from .conftest import response
from .facts_support import answer_all, ruled_campaign


@pytest.fixture
def assessment(world):
    campaign = ruled_campaign(world)
    return Assessment.objects.select_related("campaign__framework", "school__region").get(
        campaign=campaign, school=world.school_a1
    )


def set_facts(assessment, user, values, versions=None):
    if versions is None:
        current = selectors.fact_records(assessment=assessment)
        versions = {code: current[code].version if code in current else 0 for code in values}
    return services.fact_values_set(assessment=assessment, values=values, versions=versions, acting_user=user)


def stored(assessment) -> dict:
    return {
        r.fact.code: r.value for r in FactValue.objects.filter(assessment=assessment).select_related("fact")
    }


def submit_state(assessment, status):
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()


# --- writing values ---------------------------------------------------------------------------------


def test_the_cio_records_facts_with_versions_history_and_a_fresh_data_version(world, assessment):
    cio = world.users["cio"]
    before = campaign_data_version(assessment.campaign_id)
    rows = set_facts(assessment, cio, {"students": "1,200", "uplink_mbps": "1000", "ipv6": "是"})
    assert {code: r.version for code, r in rows.items()} == {"students": 1, "uplink_mbps": 1, "ipv6": 1}
    assert stored(assessment) == {"students": 1200, "uplink_mbps": 1000, "ipv6": 1}
    assert campaign_data_version(assessment.campaign_id) != before
    history = FactValue.history.filter(assessment_id=assessment.pk, fact__code="students").get()
    assert history.history_user == cio and history.history_change_reason == "学校填报"

    rows = set_facts(assessment, cio, {"students": "1250"})
    assert rows["students"].version == 2 and rows["students"].updated_by == cio
    changes = selectors.fact_changes(assessment=assessment)
    assert [(c.what, c.old, c.new) for c in changes if c.code == "students"][0] == (
        "在校学生数",
        "1200 人",
        "1250 人",
    )


def test_an_unchanged_value_writes_nothing(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"students": "1200"})
    rows = set_facts(assessment, cio, {"students": "1200.00"})
    assert rows["students"].version == 1
    assert FactValue.history.filter(assessment_id=assessment.pk).count() == 1


def test_clearing_a_value_keeps_the_row_so_versions_only_grow(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"students": "1200"})
    rows = set_facts(assessment, cio, {"students": ""})
    assert rows["students"].value is None and rows["students"].version == 2
    assert set_facts(assessment, cio, {"teachers": None}) == {}  # never recorded, cleared: no row


def test_a_stale_version_is_a_conflict_and_writes_nothing(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"students": "1200"})
    with pytest.raises(
        services.FactConflict, match="在校学生数”已在其他窗口或由他人修改（当前为第 1 版）"
    ) as exc:
        set_facts(
            assessment, cio, {"students": "900", "teachers": "80"}, versions={"students": 0, "teachers": 0}
        )
    assert exc.value.status_code == 409 and exc.value.current.value == 1200
    assert stored(assessment) == {"students": 1200}
    with pytest.raises(services.FactConflict) as exc:  # a row that appeared meanwhile: version 0 is stale
        set_facts(assessment, cio, {"teachers": "80"}, versions={"teachers": 3})
    assert exc.value.current.version == 0


def test_every_value_needs_its_version(world, assessment):
    with pytest.raises(Invalid, match="缺少版本号：teachers") as exc:
        set_facts(
            assessment, world.users["cio"], {"students": "1", "teachers": "1"}, versions={"students": 0}
        )
    assert exc.value.status_code == 400


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"students": "12.5"}, "students", "在校学生数应为整数（12.5）"),
        ({"students": "很多"}, "students", "在校学生数“很多”不是数字"),
        ({"students": "-3"}, "students", "在校学生数不能为负数（-3）"),
        ({"wifi_coverage_pct": "120"}, "wifi_coverage_pct", "无线覆盖率是百分比，应在 0 至 100 之间（120）"),
        ({"ipv6": "大概"}, "ipv6", "支持IPv6“大概”应填“是”或“否”"),
        ({"security_level": "第九级"}, "security_level", "等级保护级别“第九级”无效"),
        ({"uplink_mbps": "1000.12345"}, "uplink_mbps", "出口带宽最多保留 4 位小数"),
        ({"made_up": "1"}, "made_up", "未知的事实代码“made_up”"),
    ],
)
def test_invalid_values_are_refused_with_a_chinese_message_per_fact(
    world, assessment, values, field, message
):
    with pytest.raises(Invalid) as exc:
        set_facts(assessment, world.users["cio"], {**values, "teachers": "80"})
    assert exc.value.status_code == 400
    assert message in exc.value.fields[field][0]
    assert stored(assessment) == {}  # all or nothing: the good value was not saved either


def test_a_part_never_exceeds_its_whole_whichever_changes(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"ordinary_classrooms": "30", "classrooms_interactive": "30"})
    with pytest.raises(Invalid) as exc:
        set_facts(assessment, cio, {"ordinary_classrooms": "28"})
    assert exc.value.fields["classrooms_interactive"] == [
        "配置多媒体交互设备的普通教室数（30）不能大于普通教室数（28）"
    ]
    assert stored(assessment)["ordinary_classrooms"] == 30


@pytest.mark.parametrize("role", ["reviewer", "commission", "other_cio"])
def test_only_the_schools_cio_records_facts(world, assessment, role):
    with pytest.raises(Refused) as exc:
        set_facts(assessment, world.users[role], {"students": "1"})
    assert exc.value.status_code == 404


def test_submitted_facts_are_locked(world, assessment):
    submit_state(assessment, AssessmentStatus.SUBMITTED)
    with pytest.raises(services.AssessmentLocked, match="自评已提交，学校基本情况不能再修改") as exc:
        set_facts(assessment, world.users["cio"], {"students": "1"})
    assert exc.value.status_code == 409 and exc.value.code == "submitted"


def test_after_the_deadline_facts_are_locked(world, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(
        deadline_override=timezone.now() - datetime.timedelta(hours=1)
    )
    assessment.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        set_facts(assessment, world.users["cio"], {"students": "1"})
    assert exc.value.code == "deadline"


def test_the_inventory_records_its_figure_whatever_the_version(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"ordinary_classrooms": "30", "classrooms_interactive": "20"})
    rows = services.fact_values_set(
        assessment=assessment,
        values={"classrooms_interactive": 24, "classrooms_networked": 30},
        acting_user=cio,
        source=FactSource.INVENTORY,
    )
    assert (
        rows["classrooms_interactive"].source == "inventory" and rows["classrooms_interactive"].version == 2
    )
    assert (
        FactValue.history.filter(fact__code="classrooms_networked").get().history_change_reason == "设备清单"
    )
    sheet = selectors.fact_sheet(assessment=assessment, user=cio)
    assert sheet.by_code["classrooms_interactive"].source_label == "设备清单"
    with pytest.raises(Invalid, match="未知的数据来源"):
        services.fact_values_set(
            assessment=assessment, values={"students": 1}, acting_user=cio, source="guess"
        )


# --- the reviewer's doubts and the returned assessment ---------------------------------------------


@pytest.fixture
def submitted(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"students": "1200", "uplink_mbps": "500"})
    answer_all(assessment, cio)
    return services.assessment_submit(assessment=assessment, acting_user=cio)


def doubt(assessment, user, code, *, doubtful=True, comment="与佐证材料中的合同不一致", version=None):
    if version is None:
        record = selectors.fact_records(assessment=assessment).get(code)
        version = record.version if record else 0
    return services.fact_doubt_set(
        assessment=assessment,
        code=code,
        acting_user=user,
        version=version,
        doubtful=doubtful,
        comment=comment,
    )


def test_the_reviewer_marks_a_fact_doubtful_and_the_returned_school_may_change_exactly_that(world, submitted):
    reviewer, cio = world.users["reviewer"], world.users["cio"]
    record = doubt(submitted, reviewer, "uplink_mbps")
    assert record.doubtful and record.doubted_by == reviewer and record.version == 2
    with pytest.raises(Invalid, match="标记存疑须填写说明"):
        doubt(submitted, reviewer, "students", comment=" ")
    with pytest.raises(services.FactConflict):
        doubt(submitted, reviewer, "uplink_mbps", doubtful=False, version=1)

    services.review_start(assessment=submitted, acting_user=reviewer)
    r = response(submitted, "1.1")
    services.review_return(assessment=submitted, acting_user=reviewer, reasons={r.pk: "请核实出口带宽"})
    submitted.refresh_from_db()
    rows = set_facts(submitted, cio, {"uplink_mbps": "1000"})
    assert rows["uplink_mbps"].value == 1000 and rows["uplink_mbps"].changed_after_doubt
    with pytest.raises(services.AssessmentLocked, match="未将该项标记为存疑") as exc:
        set_facts(submitted, cio, {"students": "1300"})
    assert exc.value.code == "not_reopened"
    with pytest.raises(Conflict):  # the reviewer waits for the resubmission
        doubt(submitted, reviewer, "uplink_mbps", doubtful=False)


def test_doubts_are_the_reviewers_and_only_during_the_review(world, assessment, submitted):
    with pytest.raises(Refused):
        doubt(submitted, world.users["cio"], "students")
    with pytest.raises(Refused):
        doubt(submitted, world.users["other_reviewer"], "students")
    with pytest.raises(Refused):
        doubt(submitted, world.users["commission"], "students")
    submit_state(submitted, AssessmentStatus.FINALISED)
    with pytest.raises(Conflict) as exc:
        doubt(submitted, world.users["reviewer"], "students")
    assert exc.value.code == "finalised"


def test_a_doubt_on_a_fact_never_recorded_creates_its_row(world, submitted):
    record = doubt(submitted, world.users["reviewer"], "teachers", comment="未填写专任教师数")
    assert record.value is None and record.version == 1
    assert (
        selectors.fact_sheet(assessment=submitted, user=world.users["reviewer"]).by_code["teachers"].doubtful
    )


# --- submission ----------------------------------------------------------------------------------------


def claim_full_marks(assessment, user, code):
    r = response(assessment, code)
    services.response_update(response=r, acting_user=user, version=r.version, self_score=str(r.node.points))


def test_a_claim_of_full_marks_contradicted_by_a_blocking_rule_refuses_the_submission(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"uplink_mbps": "500", "teachers": "80", "teacher_pcs": "40"})
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "1.1")
    with pytest.raises(services.ClaimsContradicted, match="1.1 出口带宽 500 Mbps") as exc:
        services.assessment_submit(assessment=assessment, acting_user=cio)
    assert exc.value.status_code == 400 and exc.value.code == "contradicted"
    assert exc.value.extra["contradicted"] == [
        {"item": "1.1", "rule": "gigabit", "message": "不符合：出口带宽 500 Mbps（千兆 = 1000 Mbps）"}
    ]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_honest_schools_submit_and_advisory_failures_never_refuse(world, assessment):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"uplink_mbps": "500", "teachers": "80", "teacher_pcs": "40"})
    answer_all(assessment, cio)  # 1 point everywhere: no claim of full marks on 1.1 (blocking, failing)
    claim_full_marks(assessment, cio, "1.2")  # full marks where only an advisory rule fails
    checks = selectors.fact_submit_checks(assessment=assessment)
    assert checks.refusing == []
    assert [c.result.rule for c in checks.advisory] == ["gigabit", "teacher-pcs"]
    assert (
        services.assessment_submit(assessment=assessment, acting_user=cio).status
        == AssessmentStatus.SUBMITTED
    )


def test_a_claim_that_cannot_be_checked_is_listed_not_refused(world, assessment):
    cio = world.users["cio"]
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "2.1")
    checks = selectors.fact_submit_checks(assessment=assessment)
    assert [(f.item, f.check.result.rule) for f in checks.unchecked_claims] == [("2.1", "pc-ratio")]
    assert (
        services.assessment_submit(assessment=assessment, acting_user=cio).status
        == AssessmentStatus.SUBMITTED
    )


def test_a_rule_on_a_heading_belongs_to_every_item_below_it(world, assessment):
    set_facts(assessment, world.users["cio"], {"students": "1000", "student_pcs": "125"})
    checks = selectors.assessment_fact_checks(assessment=assessment)
    ratio = next(c for c in checks.checks if c.result.rule == "pc-ratio")
    assert ratio.items == ("2.1", "2.2") and ratio.failed  # 8:1 for a primary school (≤ 7:1)
    assert "生机比 8:1；小学标准不高于 7:1" in ratio.result.message
    assert [c.result.rule for c in checks.by_item["2.2"]] == ["pc-ratio"]
    assert {n.label: n.text for n in ratio.numbers}["学生用计算机/终端数"] == "125 台"


def test_the_school_type_comes_from_the_school(world, assessment):
    set_facts(assessment, world.users["cio"], {"students": "1000", "student_pcs": "160"})  # 6.25:1
    checks = selectors.assessment_fact_checks(assessment=assessment)
    assert next(c for c in checks.checks if c.result.rule == "pc-ratio").result.passed is True
    world.school_a1.school_type = "senior"
    world.school_a1.save()
    assessment.school.refresh_from_db()
    checks = selectors.assessment_fact_checks(assessment=assessment)
    assert next(c for c in checks.checks if c.result.rule == "pc-ratio").result.passed is False  # ≤ 5:1


# --- the queue's badge -----------------------------------------------------------------------------------


def test_claim_flags_follow_the_facts_and_the_claims(world, assessment, django_assert_max_num_queries):
    cio = world.users["cio"]
    set_facts(assessment, cio, {"uplink_mbps": "500"})
    answer_all(assessment, cio)
    claim_full_marks(assessment, cio, "1.1")
    others = list(
        Assessment.objects.filter(campaign=assessment.campaign).select_related("campaign", "school")
    )
    with django_assert_max_num_queries(3):
        flags = selectors.fact_claim_flags(assessments=others)
    assert [(f.item, f.rule, f.blocking) for f in flags[assessment.pk]] == [("1.1", "gigabit", True)]
    assert all(flags[a.pk] == [] for a in others if a.pk != assessment.pk)
    with django_assert_max_num_queries(0):  # cached until the campaign's data changes
        assert selectors.fact_claim_flags(assessments=others) == flags
    set_facts(assessment, cio, {"uplink_mbps": "1000"})
    assert selectors.fact_claim_flags(assessments=others)[assessment.pk] == []
    assert Decimal(1000) == stored(assessment)["uplink_mbps"]


@pytest.mark.parametrize(
    ("code", "comment", "field", "message"),
    [
        ("made_up", "存疑", "code", "未知的事实代码“made_up”"),
        ("students", "很" * 1001, "comment", "存疑说明最多 1000 字，当前 1001 字"),
    ],
)
def test_an_invalid_doubt_is_refused(world, submitted, code, comment, field, message):
    with pytest.raises(Invalid) as exc:
        doubt(submitted, world.users["reviewer"], code, comment=comment, version=0)
    assert exc.value.status_code == 400 and message in exc.value.fields[field][0]
