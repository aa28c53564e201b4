"""The national code rules accept the real divisions the demo ships (GB/T 2260) and refuse the rest."""

import pytest

from assessments import codes
from assessments.demo.regions import REGIONS


@pytest.mark.parametrize(("code", "name", "level", "parent"), REGIONS, ids=[r[0] for r in REGIONS])
def test_real_divisions_pass_every_rule(code, name, level, parent):
    assert codes.region_code_problem(code) is None
    assert codes.region_level_problem(code, level) is None
    if parent:
        assert code.startswith(codes.region_prefix(parent))


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("2137000001", True),  # 小学, 山东
        ("4111010005", True),  # 普通高等学校, 北京
        ("1111010001", True),  # 幼儿园
        ("213700000", False),  # nine digits
        ("21370000012", False),
        ("2a37000001", False),
        ("0137000001", False),  # no such category
        ("2100000001", False),  # no such province
    ],
)
def test_school_codes(code, ok):
    assert (codes.school_code_problem(code) is None) is ok


def test_region_prefixes():
    assert codes.region_prefix("370000") == "37"
    assert codes.region_prefix("370300") == "3703"
    assert codes.region_prefix("370303") == "370303"
