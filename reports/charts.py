"""Server-rendered SVG charts, shared by the PDF reports (WeasyPrint runs no JavaScript) and the
dashboards (no chart library, no inline script under our CSP).

Every function returns a `SafeString` holding one `<svg>` element with `role="img"` and a `<title>`;
every text passes through `escape`. Values are plain numbers (float/Decimal/None); None draws nothing.

Legibility: every text is at least `SMALL` (12) units high, and the chart never shrinks below
`MIN_SCALE` of its drawn width (a `min-width` on the element; a narrower container scrolls), so no
text is ever drawn smaller than 11 px on a page. Long labels wrap onto up to `MAX_LINES` lines,
measured in the font's character widths; only a label longer than that is cut, and its full text
stays in a `<title>` (the tooltip).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d"]
STATUS_COLORS = ["#adb5bd", "#ffc107", "#0dcaf0", "#6f42c1", "#dc3545", "#198754"]

LABEL = 13  # font size of category labels
SMALL = 12  # font size of every other text (ticks, values, legend): the smallest there is
MIN_TEXT_PX = 11  # the smallest text a page may show
MIN_SCALE = MIN_TEXT_PX / SMALL
MAX_LINES = 3
LINE_GAP = 3

Number = float | int | Decimal | None


def _f(value: Number) -> float | None:
    return None if value is None else float(value)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def text_width(text: str, size: float) -> float:
    """The drawn width of `text` at font `size`: wide (CJK) characters take 1 em, others 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def wrap(text: str, width: float, size: float, max_lines: int = MAX_LINES) -> list[str]:
    """`text` broken into lines no wider than `width`; beyond `max_lines` the last line ends in …"""
    lines, line = [], ""
    for ch in text:
        if line and text_width(line + ch, size) > width:
            lines.append(line)
            line = ""
            if len(lines) == max_lines:
                break
        line += ch
    else:
        if line:
            lines.append(line)
        return lines or [""]
    last = lines[-1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def _lines(lines: list[str], x: float, y_mid: float, size: float, anchor: str, full: str) -> str:
    """A multi-line label centred on `y_mid`, with the full text as its tooltip. Labels name regions
    and indicators — data, in Chinese whatever the page's language — hence their `lang`."""
    step = size + LINE_GAP
    first = y_mid - step * (len(lines) - 1) / 2 + size * 0.35
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + i * step:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text font-size="{size}" fill="#212529" text-anchor="{anchor}" lang="zh-CN">'
        f"<title>{escape(full)}</title>{spans}</text>"
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    min_width = math.ceil(width * MIN_SCALE)
    return mark_safe(  # noqa: S308 — every text in `body` went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="min-width:{min_width}px" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" class="chart"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _legend(series_names: Sequence[str], colors: Sequence[str], x: float, y: float) -> list[str]:
    out, cx = [], x
    for name, color in zip(series_names, colors, strict=False):
        out.append(f'<rect x="{cx:.1f}" y="{y - 10:.1f}" width="11" height="11" fill="{color}"/>')
        out.append(
            f'<text x="{cx + 15:.1f}" y="{y:.1f}" font-size="{SMALL}" fill="#333">{escape(name)}</text>'
        )
        cx += 15 + text_width(name, SMALL) + 14
    return out


def _label_width(labels: Sequence[str], width: int, *, least: int, share: float = 0.42) -> int:
    """Room for the labels: the longest one on a line, within [least, share of the width]."""
    longest = max((text_width(label, LABEL) for label in labels), default=0)
    return int(min(max(least, longest + 10), width * share))


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    max_value: Number = None,
    unit: str = "",
    label_width: int | None = None,
    width: int = 640,
) -> SafeString:
    """Horizontal grouped bars: one row per label, one bar per series. Good for long Chinese labels."""
    colors = PALETTE[: len(series)]
    values = [_f(v) for _n, vals in series for v in vals]
    top = _f(max_value) or max([v for v in values if v is not None] or [1]) or 1
    label_width = label_width or _label_width(labels, width, least=120)
    wrapped = [wrap(label, label_width - 10, LABEL) for label in labels]
    bar_h, gap = 14, 12
    rows_h = [max(bar_h * len(series), len(lines) * (LABEL + LINE_GAP)) + gap for lines in wrapped]
    legend_h = 24 if len(series) > 1 else 6
    height = legend_h + sum(rows_h) + 24
    value_room = text_width(f"{_fmt(top)}{unit}", SMALL) + 8
    plot_w = width - label_width - value_room
    body = []
    if len(series) > 1:
        body += _legend([n for n, _v in series], colors, label_width, 16)
    for tick in range(5):
        x = label_width + plot_w * tick / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{legend_h}" x2="{x:.1f}" y2="{height - 20}" stroke="#e9ecef"/>'
            f'<text x="{x:.1f}" y="{height - 5}" font-size="{SMALL}" fill="#6c757d" text-anchor="middle">'
            f"{escape(_fmt(top * tick / 4))}{escape(unit)}</text>"
        )
    y0 = legend_h
    for i, (label, lines) in enumerate(zip(labels, wrapped, strict=True)):
        row_h = rows_h[i]
        body.append(_lines(lines, label_width - 8, y0 + row_h / 2, LABEL, "end", label))
        bars_top = y0 + (row_h - bar_h * len(series)) / 2
        for j, (_name, vals) in enumerate(series):
            v = _f(vals[i]) if i < len(vals) else None
            if v is None:
                continue
            w = max(0.0, min(v, top)) / top * plot_w
            y = bars_top + j * bar_h
            body.append(
                f'<rect x="{label_width}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{colors[j]}"/>'
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 3:.1f}" font-size="{SMALL}" '
                f'fill="#333">{escape(_fmt(v))}{escape(unit)}</text>'
            )
        y0 += row_h
    return _svg(width, int(height), title, body)


def radar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    max_value: Number = 100,
    size: int = 420,
) -> SafeString:
    """A radar (spider) chart of percentages; falls back to bars below three axes. Axis labels wrap
    onto up to three lines beside the chart."""
    if len(labels) < 3:
        return bar_chart(labels, series, title=title, max_value=max_value, unit="%")
    colors = PALETTE[: len(series)]
    top = _f(max_value) or 100
    side = 130  # room for the labels left and right of the chart
    width, height = size + 2 * side, size + 60
    cx, cy, r = width / 2, size / 2 + 40, size / 2 - 30
    n = len(labels)

    def point(i: int, frac: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * frac * math.cos(angle), cy + r * frac * math.sin(angle)

    body = _legend([name for name, _v in series], colors, 10, 18) if len(series) > 1 else []
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        body.append(f'<polygon points="{pts}" fill="none" stroke="#dee2e6"/>')
        body.append(
            f'<text x="{cx + 3:.1f}" y="{cy - r * ring + 12:.1f}" font-size="{SMALL}" fill="#868e96">'
            f"{escape(_fmt(top * ring))}</text>"
        )
    for i, label in enumerate(labels):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.08)
        centred = abs(lx - cx) < 10
        anchor = "middle" if centred else ("start" if lx > cx else "end")
        room = 2 * side - 20 if centred else (width - lx - 6 if lx > cx else lx - 6)
        lines = wrap(label, max(room, 60), LABEL)
        if centred:  # above the top axis or below the bottom one
            block = len(lines) * (LABEL + LINE_GAP)
            ly = ly - block / 2 if ly < cy else ly + block / 2
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        body.append(_lines(lines, lx, ly, LABEL, anchor, label))
    for (name, vals), color in zip(series, colors, strict=False):
        fracs = [max(0.0, min((_f(v) or 0.0) / top, 1.0)) for v in vals]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, f) for i, f in enumerate(fracs)))
        body.append(
            f'<polygon points="{pts}" fill="{color}" fill-opacity="0.18" stroke="{color}" stroke-width="2">'
            f"<title>{escape(name)}</title></polygon>"
        )
        for i, f in enumerate(fracs):
            x, y = point(i, f)
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
    return _svg(int(width), int(height), title, body)


def stacked_bars(
    labels: Sequence[str],
    segments: Sequence[str],
    rows: Sequence[Sequence[int]],
    *,
    title: str,
    colors: Sequence[str] = STATUS_COLORS,
    label_width: int | None = None,
    width: int = 640,
) -> SafeString:
    """Horizontal 100 % stacked bars: one row per label, one segment per category (counts)."""
    label_width = label_width or _label_width(labels, width, least=70, share=0.3)
    wrapped = [wrap(label, label_width - 10, LABEL, max_lines=2) for label in labels]
    bar_h, gap = 20, 8
    legend_rows = _legend_rows(segments, width)
    legend_h = 22 * len(legend_rows) + 6
    rows_h = [max(bar_h, len(lines) * (LABEL + LINE_GAP)) + gap for lines in wrapped]
    height = legend_h + sum(rows_h) + 6
    total_room = text_width(str(max((sum(c) for c in rows), default=0)), SMALL) + 10
    plot_w = width - label_width - total_room
    body = []
    for k, names in enumerate(legend_rows):
        start = sum(len(r) for r in legend_rows[:k])
        body += _legend(names, colors[start : start + len(names)], 4, 16 + 22 * k)
    y0 = legend_h
    for i, (label, counts) in enumerate(zip(labels, rows, strict=False)):
        row_h = rows_h[i]
        y = y0 + (row_h - bar_h) / 2
        total = sum(counts) or 1
        body.append(_lines(wrapped[i], label_width - 8, y + bar_h / 2, LABEL, "end", label))
        x = float(label_width)
        for count, name, color in zip(counts, segments, colors, strict=False):
            if not count:
                continue
            w = plot_w * count / total
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{color}" lang="zh-CN">'
                "<title>"
                + escape(
                    _("%(label)s · %(name)s：%(count)s") % {"label": label, "name": name, "count": count}
                )
                + "</title></rect>"
            )
            if w > text_width(str(count), SMALL) + 6:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + bar_h - 5:.1f}" font-size="{SMALL}" fill="#fff" '
                    f'text-anchor="middle">{count}</text>'
                )
            x += w
        body.append(
            f'<text x="{label_width + plot_w + 6}" y="{y + bar_h - 5:.1f}" font-size="{SMALL}" '
            f'fill="#6c757d">{sum(counts)}</text>'
        )
        y0 += row_h
    return _svg(width, int(height), title, body)


def _legend_rows(names: Sequence[str], width: int) -> list[list[str]]:
    """The legend entries split into rows that fit the chart's width."""
    rows: list[list[str]] = [[]]
    x = 4.0
    for name in names:
        w = 15 + text_width(name, SMALL) + 14
        if rows[-1] and x + w > width:
            rows.append([])
            x = 4.0
        rows[-1].append(name)
        x += w
    return rows
