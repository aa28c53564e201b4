"""The official result (indicators/outcomes.py): band edges, pass lines, dimension minimums,
excluded items and dimensions, compliance with optional items and 不适用."""

from decimal import Decimal

import pytest

from indicators.choices import PassRule
from indicators.outcomes import GradeBand, RuleSpec, grade_of, official_outcome
from indicators.scoring import scoring_tree_from_nodes, side_result

from .conftest import fixture_data

D = Decimal
GRADES = ({"label": "优秀", "min_percent": 90}, {"label": "良好", "min_percent": 75},
          {"label": "合格", "min_percent": 60}, {"label": "不合格", "min_percent": 0})  # fmt: skip


def n(code, points=None, children=(), *, optional=False, starred=False):
    return {
        "code": code,
        "level": code.count(".") + 1,
        "points": points,
        "optional": optional,
        "starred": starred,
        "children": list(children),
    }


@pytest.fixture
def points_tree():
    # total 100: dimension 1 (60 points: 1.1 = 40, 1.2 = 20), dimension 2 (40 points: 2.1, 2.2 = 20 each)
    return scoring_tree_from_nodes(
        [n("1", 60, [n("1.1", 40), n("1.2", 20)]), n("2", 40, [n("2.1", 20), n("2.2", 20)])],
        total_points=100,
    )


@pytest.fixture
def compliance_tree():
    return scoring_tree_from_nodes(
        [
            n("1", children=[n("1.1"), n("1.2"), n("1.3", optional=True)]),
            n("2", children=[n("2.1"), n("2.2")]),
        ],
        scoring="compliance",
    )


def outcome(tree, answers, **rule):
    rule.setdefault("pass_rule", PassRule.PERCENT if tree.is_points else PassRule.ALL_REQUIRED)
    rule.setdefault("grades", GRADES)
    return official_outcome(tree=tree, side=side_result(tree, answers), rule=RuleSpec.of(**rule))


@pytest.mark.parametrize(
    ("percent", "grade"),
    [("100", "优秀"), ("90.0", "优秀"), ("89.9", "良好"), ("75", "良好"), ("74.9", "合格"),
     ("60.0", "合格"), ("59.9", "不合格"), ("0", "不合格")],
)  # fmt: skip
def test_grade_band_edges_are_inclusive(percent, grade):
    bands = RuleSpec.of(pass_rule="percent", grades=GRADES).grades
    assert grade_of(D(percent), bands) == grade


def test_grade_without_bands_or_percent_is_empty():
    assert grade_of(D(50), ()) == ""
    assert grade_of(None, (GradeBand("优秀", D(90)),)) == ""


@pytest.mark.parametrize(
    ("scores", "percent", "grade", "passed"),
    [
        ({"1.1": 40, "1.2": 20, "2.1": 20, "2.2": 10}, "90.0", "优秀", True),
        ({"1.1": 30, "1.2": 10, "2.1": 10, "2.2": 10}, "60.0", "合格", True),
        ({"1.1": 30, "1.2": 10, "2.1": 9.5, "2.2": 10}, "59.5", "不合格", False),
    ],
)
def test_points_pass_line_is_reached_at_the_edge(points_tree, scores, percent, grade, passed):
    result = outcome(points_tree, scores, pass_min_percent=60)
    assert (result.percent, result.grade, result.passed) == (D(percent), grade, passed)
    if not passed:
        assert result.failed_reasons == ("得分率 59.5%，低于合格线 60%",)


def test_points_percent_is_the_side_percent_without_exclusions(points_tree):
    side = side_result(points_tree, {"1.1": 33.5, "1.2": 12, "2.1": 7, "2.2": 0.5})
    result = official_outcome(
        tree=points_tree, side=side, rule=RuleSpec.of(pass_rule="percent", pass_min_percent=50)
    )
    assert result.percent == side.percent == D("53.0")


def test_points_dimension_minimum(points_tree):
    scores = {"1.1": 40, "1.2": 20, "2.1": 10, "2.2": 5}  # 75 %, dimension 2 at 37.5 %
    assert outcome(points_tree, scores, pass_min_percent=60, dimension_min_percent={"2": 37.5}).passed
    failed = outcome(points_tree, scores, pass_min_percent=60, dimension_min_percent={"2": 40})
    assert (failed.percent, failed.grade, failed.passed) == (D("75.0"), "良好", False)
    assert failed.failed_reasons == ("2 得分率 37.5%，低于该维度最低要求 40%",)


def test_points_excluded_dimension_leaves_score_and_total(points_tree):
    scores = {"1.1": 30, "1.2": 15, "2.1": 0, "2.2": 0}  # 45 % of 100; 45 of 60 = 75 % without dimension 2
    assert outcome(points_tree, scores, pass_min_percent=60).passed is False
    result = outcome(
        points_tree, scores, pass_min_percent=60, excluded=["2"], dimension_min_percent={"2": 50}
    )
    assert (result.percent, result.grade, result.passed) == (D("75.0"), "良好", True)


def test_points_excluded_item_leaves_its_dimension_and_the_total(points_tree):
    scores = {"1.1": 40, "1.2": 0, "2.1": 20, "2.2": 0}  # 60 %; without 1.2: 60 of 80 = 75 %
    result = outcome(
        points_tree, scores, pass_min_percent=70, excluded=["1.2"], dimension_min_percent={"1": 100}
    )
    assert (result.percent, result.passed) == (D("75.0"), True)
    # dimension 1 is 40 of its remaining 40 points
    assert outcome(points_tree, scores, pass_min_percent=70, dimension_min_percent={"1": 100}).passed is False


def test_points_excluded_item_and_its_dimension_count_once(points_tree):
    scores = {"1.1": 40, "1.2": 20, "2.1": 0, "2.2": 0}
    assert outcome(points_tree, scores, excluded=["2", "2.1"]).percent == D("100.0")


def test_points_excluded_item_in_starred_dimension_caps_at_the_remaining_points():
    # starred dimension: every item may reach the dimension's 10 points
    tree = scoring_tree_from_nodes(
        [n("1", 10, [n("1.1", 5), n("1.2", 5)], starred=True), n("2", 10, [n("2.1", 10)])], total_points=20
    )
    scores = {"1.1": 8, "1.2": 10, "2.1": 10}  # dimension 1 capped at 10 → 100 %
    # without 1.2 dimension 1 has 5 points left: 8 is capped at 5; total 15 of 15
    assert outcome(tree, scores, excluded=["1.2"]).percent == D("100.0")
    scores = {"1.1": 2, "1.2": 10, "2.1": 4}
    assert outcome(tree, scores, excluded=["1.2"]).percent == D("40.0")  # (2 + 4) / 15


def test_compliance_all_required_ignores_optional_items_and_na(compliance_tree):
    answers = {"1.1": "met", "1.2": "met", "1.3": "na", "2.1": "met", "2.2": "met"}
    result = outcome(compliance_tree, answers)
    assert (result.percent, result.grade, result.passed) == (D("100.0"), "优秀", True)
    answers["1.3"] = "not_met"
    assert outcome(compliance_tree, answers).passed is True


def test_compliance_all_required_fails_on_a_partial_required_item(compliance_tree):
    answers = {"1.1": "met", "1.2": "partial", "1.3": "met", "2.1": "met", "2.2": "met"}
    result = outcome(compliance_tree, answers)
    assert (result.percent, result.grade, result.passed) == (D("87.5"), "良好", False)
    assert result.failed_reasons == ("1 个必选条目未达标：1.2",)


def test_compliance_excluded_items_and_dimensions(compliance_tree):
    answers = {"1.1": "met", "1.2": "met", "1.3": "na", "2.1": "not_met", "2.2": "partial"}
    assert outcome(compliance_tree, answers).passed is False
    result = outcome(compliance_tree, answers, excluded=["2"])
    assert (result.percent, result.passed) == (D("100.0"), True)
    result = outcome(compliance_tree, answers, excluded=["2.1"])
    assert (result.percent, result.passed) == (D("83.3"), False)  # (1 + 1 + 0.5) / 3


def test_compliance_min_index_edges(compliance_tree):
    answers = {"1.1": "met", "1.2": "met", "1.3": "not_met", "2.1": "partial", "2.2": "met"}  # 87.5
    rule = {"pass_rule": PassRule.MIN_INDEX}
    assert outcome(compliance_tree, answers, pass_min_percent=87.5, **rule).passed is True
    failed = outcome(compliance_tree, answers, pass_min_percent=87.6, **rule)
    assert (failed.percent, failed.grade, failed.passed) == (D("87.5"), "良好", False)
    assert failed.failed_reasons == ("达标指数 87.5%，低于要求 87.6%",)
    # excluding the partial item lifts the index to 100
    assert outcome(compliance_tree, answers, pass_min_percent=90, excluded=["2.1"], **rule).passed is True


def test_fixture_exclusions_match_the_seeded_rules():
    """Zhejiang (六) 特色发展 is dimension 6; the higher-ed 适度探索 items are marked by their note."""
    zj = fixture_data("zhejiang-k12")
    assert [(d["code"], d["name"]) for d in zj["nodes"]][5] == ("6", "特色发展")
    higher = fixture_data("beijing-higher")
    tree = scoring_tree_from_nodes(higher["nodes"], scoring=higher["scoring"])
    explored = []

    def walk(nodes):
        for node in nodes:
            if node.get("note") == "适度探索":
                explored.append(node["code"])
            walk(node.get("children", []))

    walk(higher["nodes"])
    assert explored == ["2.5.1", "2.5.3", "2.5.4"]
    answers = dict.fromkeys(tree.items, "met") | dict.fromkeys(explored, "not_met")
    assert outcome(tree, answers).passed is False
    assert outcome(tree, answers, excluded=explored).passed is True
