"""The charts are legible: no text under 11 px on a page, labels wrapped instead of cut."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from defusedxml import ElementTree as ET

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"
DIMENSIONS = ["1 数字校园基础设施建设与网络安全", "2 数字资源与应用平台", "3 师生信息素养提升", "4 融合创新"]
LONG = (
    "3.2.1 学校建立网络安全责任制，明确主要负责人为第一责任人，定期开展网络安全检查与应急演练并留存记录，"
    "落实等级保护要求，日志留存不少于六个月"
)


def parse(svg: str):
    return ET.fromstring(str(svg))


def label_texts(root) -> dict[str, str]:
    """Full label (its tooltip) → the text drawn, lines joined."""
    found = {}
    for text in root.iter(f"{SVG}text"):
        title = text.find(f"{SVG}title")
        if title is not None:
            found[title.text] = "".join(t.text or "" for t in text.iter(f"{SVG}tspan"))
    return found


CHARTS = {
    "bars": lambda: charts.bar_chart(
        DIMENSIONS + [LONG],
        [("自评", [Decimal("82.3"), 75, 60, None, 12]), ("评审", [80, 70, 55, 40, 10])],
        title="各一级指标平均得分率",
        max_value=100,
        unit="%",
    ),
    "radar": lambda: charts.radar_chart(
        DIMENSIONS + ["5 特色发展"], [("自评", [82, 75, 60, 50, 90])], title="雷达"
    ),
    "stacked": lambda: charts.stacked_bars(
        ["海淀区", "石景山区", "延庆区"],
        ["未开始", "填报中", "已提交", "评审中", "退回修改", "已完成"],
        [[1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 0, 9], [3, 0, 0, 0, 0, 0]],
        title="各区县填报进度",
    ),
}


@pytest.mark.parametrize("name", CHARTS)
def test_no_text_is_drawn_below_11_px(name):
    root = parse(CHARTS[name]())
    width = float(root.get("viewBox").split()[2])
    min_width = float(re.search(r"min-width:(\d+)px", root.get("style")).group(1))
    smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))
    # the chart is never drawn narrower than min-width, so a text is never smaller than this
    assert smallest * min_width / width >= 11


@pytest.mark.parametrize("name", CHARTS)
def test_labels_are_wrapped_not_cut(name):
    drawn = label_texts(parse(CHARTS[name]()))
    assert drawn
    for full, text in drawn.items():
        if full != LONG:
            assert text == full, (full, text)  # every character of every ordinary label is drawn


def test_an_extremely_long_label_keeps_three_lines_and_its_tooltip():
    root = parse(CHARTS["bars"]())
    text = next(
        t
        for t in root.iter(f"{SVG}text")
        if (t.find(f"{SVG}title") is not None and t.find(f"{SVG}title").text == LONG)
    )
    lines = [t.text for t in text.iter(f"{SVG}tspan")]
    assert len(lines) == 3 and lines[-1].endswith("…") and len("".join(lines)) > 30


def test_wrap_measures_wide_and_narrow_characters():
    assert charts.wrap("1.2.3 智慧校园", 200, 13) == ["1.2.3 智慧校园"]
    assert charts.wrap("一二三四五六七八九十", 13 * 4, 13) == ["一二三四", "五六七八", "九十"]
