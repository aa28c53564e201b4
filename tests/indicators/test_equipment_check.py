"""The pure classroom check against the Appendix B catalogue (no database)."""

import json
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from indicators.equipment.catalog import catalog_from_dict
from indicators.equipment.check import InstalledDevice, Status, classroom_check
from indicators.equipment.thresholds import Threshold, meets, parse_measurement

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "equipment" / "beijing-k12-appendix-b.json"


@pytest.fixture(scope="module")
def catalog():
    return catalog_from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


PANEL = {"屏幕尺寸": 86, "分辨率": (3840, 2160), "显示比例": (16, 9), "触控点数": 20}
NETWORK = {"同时接入终端数": 64}


def smart_classroom(**panel) -> list[InstalledDevice]:
    """A classroom that meets every rule of the table."""
    return [
        InstalledDevice("smart-blackboard"),
        InstalledDevice("adjustable-desk", 40),
        InstalledDevice("electric-curtain", 4),
        InstalledDevice("interactive-panel", 1, {**PANEL, **panel}),
        InstalledDevice("router", 1, NETWORK),
        InstalledDevice("switch", 1, NETWORK),
    ]


def test_a_classroom_meeting_every_rule(catalog):
    result = classroom_check(catalog, smart_classroom())
    assert result.status == Status.MET
    assert result.failures == []
    assert {g.group: g.status for g in result.groups} == {
        "writing-board": Status.MET,
        "desk": Status.MET,
        "shading": Status.MET,
        "display": Status.MET,
    }
    lectern = next(d for d in result.devices if d.device.code == "multimedia-lectern")
    assert lectern.status == Status.ABSENT and not lectern.present
    assert len(result.devices) == 42


def test_no_display_device_fails_the_choose_one_of_two(catalog):
    rows = [r for r in smart_classroom() if r.device != "interactive-panel"]
    result = classroom_check(catalog, rows)
    assert result.status == Status.NOT_MET
    display = next(g for g in result.groups if g.group == "display")
    assert display.status == Status.NOT_MET and display.present == ()
    assert result.failures == ["二选一未满足：交互式触控一体机、电子白板+投影机"]


def test_the_other_display_option_satisfies_the_group(catalog):
    rows = [r for r in smart_classroom() if r.device != "interactive-panel"]
    rows.append(InstalledDevice("whiteboard-projector", 1, {"投影机照度": 3500}))
    assert classroom_check(catalog, rows).status == Status.MET


def test_a_missing_required_device(catalog):
    rows = [r for r in smart_classroom() if r.device != "switch"]
    result = classroom_check(catalog, rows)
    assert result.status == Status.NOT_MET
    assert result.failures == ["缺少必配设备：交换机"]


def test_a_threshold_below_the_requirement(catalog):
    result = classroom_check(catalog, smart_classroom(屏幕尺寸=75, 分辨率=(1920, 1080)))
    assert result.status == Status.NOT_MET
    assert result.failures == [
        "二选一未满足：已配置的交互式触控一体机参数不达标",
        "交互式触控一体机：屏幕尺寸实测 75，要求 屏幕尺寸 ≥ 80 英寸",
        "交互式触控一体机：分辨率实测 1920×1080，要求 分辨率 ≥ 3840×2160 像素",
    ]
    display = next(g for g in result.groups if g.group == "display")
    assert display.status == Status.NOT_MET and [m.name for m in display.present] == ["交互式触控一体机"]


def test_an_optional_device_that_is_present_must_meet_its_thresholds(catalog):
    rows = [*smart_classroom(), InstalledDevice("power-amplifier", 1, {"功率": 30})]
    result = classroom_check(catalog, rows)
    assert result.status == Status.NOT_MET
    assert result.failures == ["功率放大器：功率实测 30，要求 功率 ≥ 50 W"]


def test_a_missing_measurement_is_unverified_not_met(catalog):
    rows = smart_classroom()
    rows[3] = InstalledDevice("interactive-panel", 1, {"屏幕尺寸": 86})
    result = classroom_check(catalog, rows)
    assert result.status == Status.UNVERIFIED
    panel = next(d for d in result.devices if d.device.code == "interactive-panel")
    statuses = {t.threshold.what: t.status for t in panel.entries[0].thresholds}
    assert statuses == {
        "屏幕尺寸": Status.MET,
        "分辨率": Status.UNVERIFIED,
        "显示比例": Status.UNVERIFIED,
        "触控点数": Status.UNVERIFIED,
    }
    assert result.failures == []


def test_two_rows_of_one_device_are_each_checked(catalog):
    rows = [
        *smart_classroom(),
        InstalledDevice("speaker", 2, {"单支功率": 15}),
        InstalledDevice("speaker", 2, {"单支功率": 5}),
    ]
    result = classroom_check(catalog, rows)
    speaker = next(d for d in result.devices if d.device.code == "speaker")
    assert speaker.count == 4 and speaker.status == Status.NOT_MET
    assert [e.status for e in speaker.entries] == [Status.MET, Status.NOT_MET]


def test_zero_count_rows_are_absent(catalog):
    rows = [r for r in smart_classroom() if r.device != "router"] + [InstalledDevice("router", 0)]
    assert classroom_check(catalog, rows).failures == ["缺少必配设备：路由器"]


def test_seat_ratio_is_reported_never_judged(catalog):
    rows = [*smart_classroom(), InstalledDevice("student-terminal", 20, {"屏幕尺寸": 10.1})]
    result = classroom_check(catalog, rows, seats=40)
    assert result.status == Status.MET
    assert result.seat_ratio.terminals == 20 and result.seat_ratio.ratio == Fraction(1, 2)
    assert not result.seat_ratio.one_to_one
    assert classroom_check(catalog, rows).seat_ratio is None  # no seats given


def test_an_unknown_device_code_is_a_caller_error(catalog):
    with pytest.raises(ValueError, match="projector"):
        classroom_check(catalog, [InstalledDevice("projector")])


@pytest.mark.parametrize(
    ("threshold", "measured", "expected"),
    [
        (Threshold("屏幕尺寸", ">=", 80, "英寸"), 80, True),
        (Threshold("屏幕尺寸", ">=", 80, "英寸"), 79.9, False),
        (Threshold("信噪比", ">", 80, "dB"), 80, False),
        (Threshold("分辨率", ">=", (3840, 2160), "像素"), (3840, 2160), True),
        (Threshold("分辨率", ">=", (3840, 2160), "像素"), (7680, 2000), False),
        (Threshold("显示比例", "=", (16, 9), "比例"), (1920, 1080), True),
        (Threshold("显示比例", "=", (16, 9), "比例"), (4, 3), False),
        (Threshold("灵敏度", ">", -50, "dB", tolerance=3), -52, True),
        (Threshold("灵敏度", ">", -50, "dB", tolerance=3), -53, False),
        (Threshold("重量", "<=", 1.2, "kg"), 1.2, True),
        (Threshold("重量", "=", 0.3, "kg", tolerance=0.1), 0.4, True),
    ],
)
def test_meets(threshold, measured, expected):
    assert meets(threshold, measured) is expected


def test_a_pair_against_a_number_is_not_comparable(catalog):
    with pytest.raises(ValueError):
        meets(Threshold("分辨率", ">=", (3840, 2160), "像素"), 3840)
    rows = smart_classroom(分辨率=3840)
    result = classroom_check(catalog, rows)
    assert result.status == Status.UNVERIFIED


@pytest.mark.parametrize(
    ("text", "threshold", "expected"),
    [
        ("86", Threshold("屏幕尺寸", ">=", 80, "英寸"), 86),
        ("86 英寸", Threshold("屏幕尺寸", ">=", 80, "英寸"), 86),
        (" 10.1寸", Threshold("屏幕尺寸", ">=", 10, "寸"), 10.1),
        (75.0, Threshold("屏幕尺寸", ">=", 80, "英寸"), 75.0),
        ("3840×2160", Threshold("分辨率", ">=", (3840, 2160), "像素"), (3840, 2160)),
        ("3840 x 2160", Threshold("分辨率", ">=", (3840, 2160), "像素"), (3840, 2160)),
        ("16：9", Threshold("显示比例", "=", (16, 9), "比例"), (16, 9)),
        ("-48 dB", Threshold("灵敏度", ">", -50, "dB", tolerance=3), -48),
    ],
)
def test_parse_measurement(text, threshold, expected):
    assert parse_measurement(text, threshold=threshold) == expected


@pytest.mark.parametrize("text", ["", "大约八十", "86 厘米", "3840", None])
def test_parse_measurement_refuses_what_it_cannot_read(text):
    threshold = (
        Threshold("分辨率", ">=", (3840, 2160), "像素")
        if text == "3840"
        else Threshold("屏幕尺寸", ">=", 80, "英寸")
    )
    with pytest.raises(ValueError, match="无法识别"):
        parse_measurement(text, threshold=threshold)
