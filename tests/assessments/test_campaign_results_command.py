"""`manage.py campaign_results`: the result table of a seeded demo campaign, in the promised JSON
shape, agreeing with the results API and following the campaign's rule exactly (recomputed here
from the reviewed item values, independently of the outcome function)."""

import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from assessments.models import Assessment, AssessmentStatus, Campaign, ItemResponse

D = Decimal
WEIGHT = {"met": D(1), "partial": D("0.5"), "not_met": D(0)}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def one_decimal(value) -> Decimal:
    return D(value).quantize(D("0.1"), rounding=ROUND_HALF_UP)


def expected_points(campaign, assessment, rule):
    """Review total: a scoring node's reviewed score, every node above capped at its points."""
    nodes = list(campaign.framework.nodes.all())
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    scores = dict(ItemResponse.objects.filter(assessment=assessment).values_list("node_id", "review_score"))

    def score(node):
        if node.pk in scores:
            return scores[node.pk] or D(0)
        raw = sum((score(c) for c in children.get(node.pk, [])), D(0))
        return raw if node.points is None else min(raw, node.points)

    roots = [n for n in children[None] if n.code not in rule["excluded"]]
    total = sum(score(n) for n in roots)
    whole = campaign.framework.total_points - sum(
        n.points for n in children[None] if n.code in rule["excluded"]
    )
    percent = one_decimal(total * 100 / whole)
    return percent, percent >= D(str(rule["pass_min_percent"]))


def expected_compliance(assessment, rule):
    rows = ItemResponse.objects.filter(assessment=assessment, node__optional=False).values_list(
        "node__code", "review_status"
    )
    counted = [
        status
        for code, status in rows
        if not any(code == x or code.startswith(x + ".") for x in rule["excluded"])
    ]
    percent = one_decimal(sum(WEIGHT[s] for s in counted) * 100 / len(counted))
    return percent, all(s == "met" for s in counted)


@pytest.mark.parametrize("code", ["beijing-k12", "zhejiang-k12", "beijing-higher", "zibo-k12"])
def test_command_table_follows_the_rule_and_agrees_with_the_api(db, settings, tmp_path, client_for, code):
    settings.MEDIA_ROOT = tmp_path
    run("load_frameworks")
    run("seed_demo", "--schools", "40", "--campaign", code, "--fill", "--quiet")
    campaign = Campaign.objects.get(framework__code=code)
    data = json.loads(run("campaign_results", "--campaign", str(campaign.pk), "--json"))
    assert list(data) == ["campaign", "framework", "scoring", "rule", "schools", "summary"]
    assert (data["campaign"], data["framework"], data["scoring"]) == (
        campaign.pk,
        code,
        campaign.framework.scoring,
    )
    rule = data["rule"]
    keys = ["pass_min_percent", "grades", "excluded", "target_share"]
    assert list(rule) == (keys if data["scoring"] == "points" else [*keys, "pass_rule"])
    assert list(data["summary"]) == ["counted", "passed", "share", "target_share"]
    schools = data["schools"]
    assert len(schools) == campaign.assessments.count()
    assert all(
        list(s) == ["school_code", "status", "self_percent", "review_percent", "result_percent", "grade",
                    "passed", "designations", "acceptance"]
        for s in schools
    )  # fmt: skip
    assert all(list(s["acceptance"]) == ["state", "by", "at", "reason"] for s in schools)
    assert {s["acceptance"]["state"] for s in schools} <= {"pending", "accepted", "sent_back"}
    finalised = [s for s in schools if s["status"] == AssessmentStatus.FINALISED]
    assert finalised and len(finalised) < len(schools)
    for s in schools:
        if s["status"] != AssessmentStatus.FINALISED:
            assert s["result_percent"] is s["grade"] is s["passed"] is s["review_percent"] is None
    for s in finalised:
        a = Assessment.objects.get(campaign=campaign, school__code=s["school_code"])
        if data["scoring"] == "points":
            percent, passed = expected_points(campaign, a, rule)
            grade = next(g["label"] for g in rule["grades"] if percent >= D(str(g["min_percent"])))
        else:
            percent, passed = expected_compliance(a, rule)
            grade = None
        assert (D(str(s["result_percent"])), s["passed"], s["grade"]) == (percent, passed, grade), s
        assert s["passed"] or s["designations"] == []  # only a passed school holds a designation
    passed = sum(s["passed"] for s in finalised)
    assert data["summary"]["counted"] == len(finalised) and data["summary"]["passed"] == passed
    assert data["summary"]["share"] == float(D(passed / len(finalised)).quantize(D("0.001"), ROUND_HALF_UP))
    if code == "beijing-k12":
        assert rule["pass_min_percent"] == 60.0 and rule["target_share"] == 0.85
        assert data["summary"]["target_share"] == 0.85
    if code == "zhejiang-k12":
        assert (rule["pass_rule"], rule["excluded"]) == ("all_required", ["6"])
    if code == "beijing-higher":
        assert rule["excluded"] == ["2.5.1", "2.5.3", "2.5.4"]
    # the API shows the same figures for a few schools
    client = client_for("commission")
    client.force_login(campaign.created_by)
    for s in [*finalised[:3], *[x for x in schools if x not in finalised][:2]]:
        a = Assessment.objects.get(campaign=campaign, school__code=s["school_code"])
        api = client.get(f"/api/results/{a.pk}/").json()
        assert api["self"]["percent"] == (None if s["self_percent"] is None else f"{s['self_percent']:.1f}")
        official = api["official"]
        if s["passed"] is None:
            assert official is None
        else:
            assert (D(official["percent"]), official["passed"]) == (D(str(s["result_percent"])), s["passed"])
            assert (official["grade"] or None) == s["grade"]
    text = run("campaign_results", "--campaign", str(campaign.pk))
    assert f"已完成评审 {len(finalised)} 所，达标 {passed} 所" in text
