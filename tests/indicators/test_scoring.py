"""The scoring rules (indicators/scoring.py), on small hand-made trees and on the real fixtures."""

from decimal import Decimal
from fractions import Fraction

import pytest

from indicators.choices import ComplianceStatus
from indicators.scoring import (
    ScoreError,
    competition_ranks,
    percent_of,
    round_once,
    score,
    score_compliance,
    score_points,
    scoring_tree_from_nodes,
    side_result,
    statistics_of,
    validate_compliance_status,
    validate_points_score,
)

from .conftest import fixture_data

D = Decimal


def n(code, points=None, children=(), *, optional=False, starred=False):
    return {
        "code": code,
        "level": code.count(".") + 1,
        "points": points,
        "optional": optional,
        "starred": starred,
        "children": list(children),
    }


@pytest.fixture(scope="module")
def zibo():
    data = fixture_data("zibo-k12")
    return scoring_tree_from_nodes(data["nodes"], scoring=data["scoring"], total_points=data["total_points"])


@pytest.fixture(scope="module")
def bj():
    data = fixture_data("beijing-k12")
    return scoring_tree_from_nodes(data["nodes"], scoring=data["scoring"], total_points=data["total_points"])


@pytest.fixture(scope="module")
def zj():
    data = fixture_data("zhejiang-k12")
    return scoring_tree_from_nodes(data["nodes"], scoring=data["scoring"])


@pytest.fixture(scope="module")
def bjh():
    data = fixture_data("beijing-higher")
    return scoring_tree_from_nodes(data["nodes"], scoring=data["scoring"])


def full_marks(tree):
    return {code: maximum for code, maximum in tree.score_max.items()}


# --- building the tree ----------------------------------------------------------------------------


def test_scoring_nodes_are_the_deepest_nodes_with_points(zibo, bj):
    assert all(code.count(".") == 2 for code in zibo.score_max)  # level 3 in Zibo
    assert len(zibo.score_max) == 73
    assert all(code.count(".") == 1 for code in bj.score_max)  # level 2 in Beijing K-12
    assert len(bj.score_max) == 46


def test_tree_from_models_equals_tree_from_fixture(frameworks, zibo):
    from indicators.selectors import node_list

    fw = frameworks["zibo-k12"]
    tree = scoring_tree_from_nodes(node_list(framework=fw), scoring=fw.scoring, total_points=fw.total_points)
    assert tree.score_max == zibo.score_max
    assert tree.roots == zibo.roots


def test_mode_is_inferred_from_points():
    assert scoring_tree_from_nodes([n("1", 5, [n("1.1", 5)])]).scoring == "points"
    assert scoring_tree_from_nodes([n("1", None, [n("1.1")])]).scoring == "compliance"


# --- points mode ----------------------------------------------------------------------------------


def test_zibo_resource_application_items_worth_8_under_a_6_point_heading_give_6(zibo):
    items = [c for c in zibo.score_max if c.startswith("2.3.")]
    assert sum(zibo.score_max[c] for c in items) == 8
    result = score_points(zibo, {c: zibo.score_max[c] for c in items})
    assert result.nodes["2.3"].raw == 8
    assert result.nodes["2.3"].score == 6
    assert result.nodes["2.3"].max == 6
    assert result.nodes["2.3"].capped
    assert result.nodes["2.3"].percentage == D("100.00")
    assert result.nodes["2"].score == 6


def test_zibo_full_marks_total_110_and_percentage_of_110(zibo):
    result = score_points(zibo, full_marks(zibo))
    assert result.total == 110
    assert result.raw_total == 112  # items sum to 112 in the source; caps bring it to the declared 110
    assert result.declared_total == 110
    assert result.percentage == D("100.00")
    assert result.complete and result.answered == result.item_count == 73


def test_zibo_percentage_is_of_the_declared_110(zibo):
    result = score_points(zibo, {"1.1.1": 1, "1.1.2": 2, "1.1.4": "2", "1.2.1": D("1.5")})
    assert result.total == D("6.5")
    assert result.percentage == D("5.9")  # 6.5 / 110 = 5.909…, rounded once
    assert result.nodes["1.1"].score == 5
    assert result.nodes["1.1"].answered == 3 and result.nodes["1.1"].total == 5
    assert result.nodes["1"].score == D("6.5")
    assert "1.1.3" in result.missing and len(result.missing) == 69


def test_empty_answers_score_zero_and_everything_missing(zibo):
    result = score_points(zibo, {})
    assert result.total == 0 and result.percentage == D("0.00")
    assert result.nodes["1.1.1"].score is None
    assert result.nodes["1.1"].score == 0
    assert len(result.missing) == 73 and not result.complete


def test_beijing_full_marks_is_100(bj):
    result = score_points(bj, full_marks(bj))
    assert result.total == 100 and result.percentage == D("100.00")


def test_starred_dimension_carried_by_one_deep_item(bj):
    dim = bj.nodes["2"]
    assert dim.starred and dim.points == 20
    first = dim.children[0]
    assert first.points < 20
    assert bj.score_max[first.code] == 20  # may be scored up to the dimension maximum
    result = score_points(bj, {first.code: 20})
    assert result.nodes[first.code].score == 20
    assert result.nodes["2"].score == 20
    assert result.nodes["2"].percentage == D("100.00")
    assert result.total == 20


def test_starred_dimension_is_capped_at_its_maximum(bj):
    codes = [c.code for c in bj.nodes["3"].children]
    result = score_points(bj, {codes[0]: bj.nodes["3"].points, codes[1]: bj.nodes["3"].points})
    assert result.nodes["3"].raw == 2 * bj.nodes["3"].points
    assert result.nodes["3"].score == bj.nodes["3"].points


def test_unstarred_dimension_item_keeps_its_nominal_maximum(bj):
    assert not bj.nodes["1"].starred
    item = bj.nodes["1.1"]
    assert bj.score_max["1.1"] == item.points == 2
    with pytest.raises(ScoreError, match="最高 2 分"):
        score_points(bj, {"1.1": 3})


def test_caps_at_every_level():
    # items 4+4 under a 5-point heading, headings 5+5 under an 8-point dimension
    tree = scoring_tree_from_nodes(
        [n("1", 8, [n("1.1", 5, [n("1.1.1", 4), n("1.1.2", 4)]), n("1.2", 5, [n("1.2.1", 5)])])],
        total_points=8,
    )
    result = score_points(tree, {"1.1.1": 4, "1.1.2": 4, "1.2.1": 5})
    assert result.nodes["1.1"].raw == 8 and result.nodes["1.1"].score == 5
    assert result.nodes["1"].raw == 10 and result.nodes["1"].score == 8
    assert result.total == 8 and result.raw_total == 13 and result.percentage == D("100.00")


def test_half_points_are_allowed_and_summed_exactly(zibo):
    result = score_points(zibo, {"1.1.2": "1.5", "1.1.4": 0.5, "1.1.1": D("0.0")})
    assert result.nodes["1.1"].score == 2
    assert isinstance(result.nodes["1.1"].score, Decimal)


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1.1", -1, "不能为负数"),
        ("1.1.1", 2, "最高 1 分"),
        ("1.1.2", "1.25", "0.5 的整数倍"),
        ("1.1.2", "1.3", "0.5 的整数倍"),
        ("1.1.2", "abc", "不是数字"),
        ("1.1.2", "NaN", "不是数字"),
        ("1.1.2", True, "须为数字"),
        ("1.1", 3, "不是计分指标"),
        ("1", 3, "不是计分指标"),
        ("9.9.9", 1, "不存在"),
    ],
)
def test_rejected_points_inputs(zibo, code, value, message):
    with pytest.raises(ScoreError, match=message):
        validate_points_score(zibo, code, value)
    with pytest.raises(ScoreError):
        score_points(zibo, {code: value})


def test_beijing_monitoring_points_cannot_be_scored(bj):
    with pytest.raises(ScoreError, match="没有分值"):
        validate_points_score(bj, "1.1.1", 1)


def test_validate_points_score_returns_a_decimal(zibo):
    assert validate_points_score(zibo, "1.1.2", "1.5") == D("1.5")
    assert validate_points_score(zibo, "1.1.2", 0) == 0


def test_score_error_is_a_value_error():
    assert issubclass(ScoreError, ValueError)


def test_points_and_compliance_answers_are_not_mixed(zibo, zj):
    with pytest.raises(ScoreError, match="计分制"):
        validate_compliance_status(zibo, "1.1.1", "met")
    with pytest.raises(ScoreError, match="达标制"):
        validate_points_score(zj, "1.1.1", 1)


# --- compliance mode ------------------------------------------------------------------------------


def small_compliance_tree():
    return scoring_tree_from_nodes(
        [
            n("1", None, [n("1.1", None, [n("1.1.1"), n("1.1.2"), n("1.1.3", optional=True)])]),
            n("2", None, [n("2.1", None, [n("2.1.1"), n("2.1.2", optional=True)])]),
        ],
        scoring="compliance",
    )


def test_meets_standard_only_if_every_required_item_is_met():
    tree = small_compliance_tree()
    all_met = score_compliance(tree, {"1.1.1": "met", "1.1.2": "met", "2.1.1": "met"})
    assert all_met.meets_standard
    assert all_met.index == 1
    assert all_met.missing == ("1.1.3", "2.1.2")  # optional unanswered are still listed
    one_partial = score_compliance(tree, {"1.1.1": "met", "1.1.2": "partial", "2.1.1": "met"})
    assert not one_partial.meets_standard
    assert not one_partial.nodes["1"].meets_standard and one_partial.nodes["2"].meets_standard


def test_compliance_index_met_1_partial_half_not_met_0_over_required_items():
    tree = small_compliance_tree()
    result = score_compliance(tree, {"1.1.1": "met", "1.1.2": "partial", "2.1.1": "not_met"})
    assert result.required == 3
    assert result.index == D("0.5000")  # (1 + 0.5 + 0) / 3
    assert result.percentage == D("50.00")
    assert result.nodes["1.1"].index == D("0.7500")
    assert result.required_met == 1 and result.partial == 1 and result.not_met == 1


def test_optional_items_met_are_reported_separately_and_do_not_change_the_index():
    tree = small_compliance_tree()
    base = {"1.1.1": "met", "1.1.2": "partial", "2.1.1": "met"}
    without = score_compliance(tree, base)
    with_optional = score_compliance(tree, {**base, "1.1.3": "met", "2.1.2": "not_met"})
    assert with_optional.index == without.index
    assert with_optional.optional == 2
    assert with_optional.optional_met == 1
    assert without.optional_met == 0
    na = score_compliance(tree, {**base, "1.1.3": "na", "2.1.2": ComplianceStatus.NA})
    assert na.optional_na == 2 and na.complete


def test_unanswered_required_items_are_missing_and_count_as_not_met():
    tree = small_compliance_tree()
    result = score_compliance(tree, {"1.1.1": "met"})
    assert result.missing == ("1.1.2", "1.1.3", "2.1.1", "2.1.2")
    assert result.nodes["1.1"].missing == 1
    assert not result.meets_standard
    assert result.index == D("0.3333")
    assert result.answered == 1 and result.item_count == 5


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1.1", "na", "必选条目"),
        ("1.1.1", "yes", "无效"),
        ("1.1", "met", "不是末级条目"),
        ("3.1.1", "met", "不存在"),
    ],
)
def test_rejected_compliance_inputs(code, value, message):
    tree = small_compliance_tree()
    with pytest.raises(ScoreError, match=message):
        validate_compliance_status(tree, code, value)
    with pytest.raises(ScoreError):
        score_compliance(tree, {code: value})


def test_zhejiang_all_required_met_meets_standard(zj):
    required = [leaf.code for leaf in zj.leaves if not leaf.optional]
    optional = [leaf.code for leaf in zj.leaves if leaf.optional]
    assert len(optional) == 23 and len(required) == 88 - 23
    result = score(zj, {code: "met" for code in required} | {code: "na" for code in optional})
    assert result.meets_standard and result.index == 1 and result.complete
    assert result.optional == 23 and result.optional_na == 23 and result.optional_met == 0


def test_beijing_higher_optional_items_may_be_na(bjh):
    optional = [leaf.code for leaf in bjh.leaves if leaf.optional]
    assert optional
    assert validate_compliance_status(bjh, optional[0], "na") == ComplianceStatus.NA
    required = next(leaf.code for leaf in bjh.leaves if not leaf.optional)
    with pytest.raises(ScoreError, match="不适用"):
        validate_compliance_status(bjh, required, "na")


# --- rounding once, summaries, statistics ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("82.25"), D("82.3")),  # half away from zero
        (D("82.249999"), D("82.2")),
        (Fraction(8235, 100), D("82.4")),
        (Fraction(1, 3) * 100, D("33.3")),
        (Fraction(2, 3) * 100, D("66.7")),
        (D("-0.05"), D("-0.1")),
        (D("-0.04"), D("0.0")),
        (0, D("0.0")),
    ],
)
def test_round_once_half_away_from_zero_to_one_decimal(value, shown):
    assert round_once(value) == shown and str(round_once(value)) == str(shown)


def test_percent_of_is_rounded_once_from_the_exact_ratio():
    assert percent_of(D("6.5"), 110) == D("5.9")
    assert percent_of(1, 3) == D("33.3") and percent_of(1, 0) is None
    # 82.345 % rounded in two steps (82.35 → 82.4) would differ from once (82.3)
    assert percent_of(D("16.469"), 20) == D("82.3")


def test_compliance_percentage_comes_from_the_counts_not_the_four_place_index():
    # 3 required items: met, partial, not met → 1.5 / 3 = 50 %; 3 of 7 met and 1 partial → 50 %
    tree = scoring_tree_from_nodes([n("1", None, [n(f"1.{i}") for i in range(1, 8)])], scoring="compliance")
    answers = {"1.1": "met", "1.2": "met", "1.3": "met", "1.4": "partial"}
    result = score_compliance(tree, {**answers, **{f"1.{i}": "not_met" for i in (5, 6, 7)}})
    assert result.index == D("0.5000") and result.percentage == D("50.0")
    one_of_three = score_compliance(
        scoring_tree_from_nodes([n("1", None, [n("1.1"), n("1.2"), n("1.3")])], scoring="compliance"),
        {"1.1": "met", "1.2": "not_met", "1.3": "not_met"},
    )
    assert one_of_three.index == D("0.3333") and one_of_three.percentage == D("33.3")


def test_side_result_of_points_total_percent_and_dimensions(zibo):
    side = side_result(zibo, {"1.1.1": 1, "1.1.2": 2, "1.1.4": "2", "1.2.1": D("1.5")})
    assert side.is_points and side.total == D("6.5") and side.declared_total == 110
    assert side.percent == D("5.9") and side.value == D("6.5") and side.exact == Fraction(13, 2)
    assert [d.code for d in side.dimensions] == ["1", "2", "3", "4", "5", "6"]
    first = side.dimension("1")
    assert first.score == D("6.5") and first.max == 24 and first.percent == D("27.1")  # 6.5 / 24
    assert first.answered == 4 and side.dimension("2").score == 0 and side.compliance is None
    assert side.answered == 4 and side.item_count == 73 and len(side.missing) == 69


def test_side_result_of_compliance_counts_optional_denominator_and_dimensions():
    tree = small_compliance_tree()
    side = side_result(tree, {"1.1.1": "met", "1.1.2": "partial", "1.1.3": "met", "2.1.2": "na"})
    c = side.compliance
    assert (c.required, c.met, c.partial, c.not_met, c.missing) == (3, 1, 1, 0, 1)
    assert (c.optional, c.optional_met, c.optional_na) == (2, 1, 1)
    assert c.ratio == Fraction(1, 2) and c.percent == D("50.0") and not c.meets_standard
    assert side.percent == D("50.0") and side.total is None and side.value == D("50.0")
    first, second = side.dimensions
    assert first.percent == D("75.0") and first.compliance.optional_met == 1
    assert second.percent == D("0.0") and second.compliance.missing == 1
    only_optional = scoring_tree_from_nodes([n("1", None, [n("1.1", optional=True)])], scoring="compliance")
    empty = side_result(only_optional, {"1.1": "met"})
    assert empty.percent is None and empty.value is None and empty.compliance.meets_standard


def test_differences_are_taken_from_the_shown_figures_so_they_add_up():
    # exact 82.46 % and 81.54 %: shown 82.5 and 81.5, so the shown difference is 1.0, not 0.9
    a, b = Fraction(8246, 100), Fraction(8154, 100)
    assert round_once(a) - round_once(b) == D("1.0")
    assert round_once(a - b) == D("0.9")  # what a second, separate rounding would have shown


def test_statistics_are_exact_and_independent_of_order():
    values = [Fraction(1, 3) * 100, Fraction(2, 3) * 100, D("50"), None, D("82.25")]
    stats = statistics_of(values)
    assert stats.count == 4
    assert stats.mean == D("58.1")  # (33.33… + 66.66… + 50 + 82.25) / 4 = 58.0625
    assert statistics_of(reversed(values)) == stats
    assert stats.median == D("58.3") and stats.minimum == D("33.3") and stats.maximum == D("82.3")
    assert statistics_of([None]).count == 0 and statistics_of([]).mean is None


def test_competition_ranks_skip_schools_without_a_figure():
    ranks = competition_ranks({"a": D("90"), "b": D("85"), "c": D("90"), "d": None, "e": D("70")})
    assert ranks == {"a": 1, "c": 1, "b": 3, "e": 4}


def test_score_reuses_a_result_only_for_exactly_the_same_answers(zibo):
    answers = full_marks(zibo)
    first = score(zibo, answers)
    assert score(zibo, dict(answers)) is first  # the same answers again: the kept result
    code = next(iter(answers))
    changed = {**answers, code: D("0")}
    assert score(zibo, changed).total == first.total - answers[code]
    # equal as numbers but written differently: scored again, so the figures print as written
    retyped = {**answers, code: D(str(answers[code])) + D("0.00")}
    assert score(zibo, retyped) is not first
    with pytest.raises(ScoreError):  # an error is raised every time, never kept
        score(zibo, {**answers, code: D("-1")})
    with pytest.raises(ScoreError):
        score(zibo, {**answers, code: D("-1")})
