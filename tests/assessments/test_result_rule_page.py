"""The result rule page of a campaign: the commission sets the rule through the form, invalid grades
are shown and nothing is saved, a locked rule asks for a reason and a change becomes version 2;
reviewers and CIOs do not find the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import ResultRule
from assessments.selectors import current_rule, rule_versions
from tests.html import field_errors, field_names, form_errors, text

from .test_result_rules import finalise, save

URL = "assessments:campaign-result-rule"


def rule_post(**changes) -> dict:
    data = {
        "pass_rule": "percent",
        "pass_min_percent": "60",
        "grade_label_1": "优秀",
        "grade_min_1": "85",
        "grade_label_2": "合格",
        "grade_min_2": "60",
        "grade_label_3": "不合格",
        "grade_min_3": "0",
        "excluded": ["2"],
        "target_share": "85",
        "reason": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_commission_sets_the_rule_through_the_page(
    world, client_for, points_campaign, django_assert_max_num_queries
):
    client = client_for("commission")
    url = reverse(URL, args=[points_campaign.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert {"pass_rule", "pass_min_percent", "grade_label_1", "grade_min_5", "excluded", "target_share"} <= (
        field_names(page.content)
    )
    assert "reason" not in field_names(page.content)  # not locked: no reason asked
    assert "尚未设定" in text(page.content, "rule-versions-empty")
    with django_assert_max_num_queries(40):
        r = client.post(url, rule_post(), follow=True)
    assert r.redirect_chain[-1][0] == reverse("assessments:campaign-detail", args=[points_campaign.pk])
    assert "已保存结果判定规则（第 1 版）" in r.content.decode()
    rule = current_rule(points_campaign)
    assert (rule.version, rule.pass_rule, rule.pass_min_percent, rule.excluded) == (
        1,
        "percent",
        Decimal(60),
        ["2"],
    )
    assert rule.grades == [
        {"label": "优秀", "min_percent": 85.0},
        {"label": "合格", "min_percent": 60.0},
        {"label": "不合格", "min_percent": 0.0},
    ]
    assert rule.target_share == Decimal("0.850")
    again = client.get(url)  # the page shows the rule in force and its version
    assert 'value="优秀"' in again.content.decode() and 'value="85"' in again.content.decode()
    assert "第 1 版" in text(again.content, "rule-versions")


def test_campaign_page_links_the_rule_for_the_commission_only(world, client_for, points_campaign):
    detail = reverse("assessments:campaign-detail", args=[points_campaign.pk])
    assert "结果判定规则" in text(client_for("commission").get(detail).content, "designation-links")
    assert "结果判定规则" not in client_for("reviewer").get(detail).content.decode()


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"grade_min_3": "10"}, "form", "最后一个等级的最低得分率须为 0"),
        ({"grade_min_2": "90"}, "form", "从高到低"),
        ({"grade_min_2": ""}, "grade_min_2", "请填写最低得分率"),
        ({"grade_label_3": ""}, "grade_label_3", "请填写等级名称"),
        ({"pass_min_percent": ""}, "pass_min_percent", "请填写合格线"),
        ({"pass_rule": "all_required"}, "pass_rule", ""),
        ({"target_share": "120"}, "target_share", ""),
    ],
)
def test_invalid_input_is_shown_on_the_form_and_nothing_is_saved(
    world, client_for, points_campaign, changes, where, message
):
    r = client_for("commission").post(reverse(URL, args=[points_campaign.pk]), rule_post(**changes))
    assert r.status_code == 400
    shown = form_errors(r.content) if where == "form" else " ".join(field_errors(r.content).get(where, []))
    assert shown and message in shown
    assert not ResultRule.objects.exists()


def test_a_locked_rule_needs_a_reason_and_a_change_becomes_version_2(
    world, client_for, points_campaign, submitted
):
    commission = world.users["commission"]
    save(points_campaign, commission, pass_min_percent=20)
    finalise(world, submitted)
    client = client_for("commission")
    url = reverse(URL, args=[points_campaign.pk])
    page = client.get(url)
    assert "已锁定，修改将生成第 2 版，须填写原因" in text(page.content, "rule-locked")
    assert "reason" in field_names(page.content)
    r = client.post(url, rule_post(pass_min_percent="25"))
    assert r.status_code == 400
    assert "须填写原因" in " ".join(field_errors(r.content)["reason"])
    assert [v.version for v in rule_versions(points_campaign)] == [1]
    r = client.post(url, rule_post(pass_min_percent="25", reason="市教委调整合格线"), follow=True)
    assert "已保存结果判定规则（第 2 版）" in r.content.decode()
    versions = rule_versions(points_campaign)
    assert [(v.version, v.pass_min_percent, v.reason) for v in versions][0] == (
        2,
        Decimal(25),
        "市教委调整合格线",
    )
    history = text(client.get(url).content, "rule-versions")
    assert "第 2 版" in history and "市教委调整合格线" in history


@pytest.mark.parametrize("role", ["reviewer", "cio", "other_commission"])
def test_others_do_not_find_the_page(world, client_for, points_campaign, role):
    url = reverse(URL, args=[points_campaign.pk])
    client = client_for(role)
    assert client.get(url).status_code == 404
    assert client.post(url, rule_post()).status_code == 404
    assert not ResultRule.objects.exists()
