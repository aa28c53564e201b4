"""Server-rendered SVG charts, shared by the PDF reports (WeasyPrint runs no JavaScript) and the
dashboards (no chart library, no inline script under our CSP).

Every function returns a `SafeString` holding one `<svg>` element with `role="img"` and a `<title>`;
every text passes through `escape`. Values are plain numbers (float/Decimal/None); None draws nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#6c757d"]
STATUS_COLORS = ["#adb5bd", "#ffc107", "#0dcaf0", "#6f42c1", "#dc3545", "#198754"]

Number = float | int | Decimal | None


def _f(value: Number) -> float | None:
    return None if value is None else float(value)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 — every text in `body` went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _legend(series_names: Sequence[str], colors: Sequence[str], x: float, y: float) -> list[str]:
    out, cx = [], x
    for name, color in zip(series_names, colors, strict=False):
        out.append(f'<rect x="{cx:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{cx + 14:.1f}" y="{y:.1f}" font-size="11" fill="#333">{escape(name)}</text>')
        cx += 22 + 12 * len(name)
    return out


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    max_value: Number = None,
    unit: str = "",
    label_width: int = 170,
    width: int = 640,
) -> SafeString:
    """Horizontal grouped bars: one row per label, one bar per series. Good for long Chinese labels."""
    colors = PALETTE[: len(series)]
    values = [_f(v) for _n, vals in series for v in vals]
    top = _f(max_value) or max([v for v in values if v is not None] or [1]) or 1
    bar_h, gap = 12, 10
    row_h = bar_h * len(series) + gap
    legend_h = 22 if len(series) > 1 else 4
    height = legend_h + row_h * len(labels) + 24
    plot_w = width - label_width - 60
    body = []
    if len(series) > 1:
        body += _legend([n for n, _v in series], colors, label_width, 14)
    for tick in range(5):
        x = label_width + plot_w * tick / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{legend_h}" x2="{x:.1f}" y2="{height - 20}" stroke="#e9ecef"/>'
            f'<text x="{x:.1f}" y="{height - 6}" font-size="10" fill="#6c757d" text-anchor="middle">'
            f"{escape(_fmt(top * tick / 4))}{escape(unit)}</text>"
        )
    for i, label in enumerate(labels):
        y0 = legend_h + i * row_h
        short = label if len(label) <= 13 else label[:12] + "…"
        body.append(
            f'<text x="{label_width - 6}" y="{y0 + row_h / 2 + 2:.1f}" font-size="11" fill="#212529" '
            f'text-anchor="end"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        for j, (_name, vals) in enumerate(series):
            v = _f(vals[i]) if i < len(vals) else None
            if v is None:
                continue
            w = max(0.0, min(v, top)) / top * plot_w
            y = y0 + gap / 2 + j * bar_h
            body.append(
                f'<rect x="{label_width}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{colors[j]}"/>'
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 3:.1f}" font-size="10" fill="#333">'
                f"{escape(_fmt(v))}{escape(unit)}</text>"
            )
    return _svg(width, height, title, body)


def radar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    max_value: Number = 100,
    size: int = 420,
) -> SafeString:
    """A radar (spider) chart of percentages; falls back to bars below three axes."""
    if len(labels) < 3:
        return bar_chart(labels, series, title=title, max_value=max_value, unit="%")
    colors = PALETTE[: len(series)]
    top = _f(max_value) or 100
    width, height = size + 220, size + 40
    cx, cy, r = width / 2, size / 2 + 30, size / 2 - 40
    n = len(labels)

    def point(i: int, frac: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * frac * math.cos(angle), cy + r * frac * math.sin(angle)

    body = _legend([name for name, _v in series], colors, 10, 16) if len(series) > 1 else []
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        body.append(f'<polygon points="{pts}" fill="none" stroke="#dee2e6"/>')
        body.append(
            f'<text x="{cx + 3:.1f}" y="{cy - r * ring + 10:.1f}" font-size="9" fill="#adb5bd">'
            f"{escape(_fmt(top * ring))}</text>"
        )
    for i, label in enumerate(labels):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.12)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        short = label if len(label) <= 10 else label[:9] + "…"
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        body.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="11" fill="#212529" text-anchor="{anchor}">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
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
    label_width: int = 120,
    width: int = 640,
) -> SafeString:
    """Horizontal 100 % stacked bars: one row per label, one segment per category (counts)."""
    bar_h, gap, legend_h = 18, 8, 24
    height = legend_h + len(labels) * (bar_h + gap) + 6
    plot_w = width - label_width - 50
    body = _legend(segments, colors, 4, 14)
    for i, (label, counts) in enumerate(zip(labels, rows, strict=False)):
        y = legend_h + i * (bar_h + gap)
        total = sum(counts) or 1
        body.append(
            f'<text x="{label_width - 6}" y="{y + bar_h - 4}" font-size="11" fill="#212529" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        x = float(label_width)
        for count, name, color in zip(counts, segments, colors, strict=False):
            if not count:
                continue
            w = plot_w * count / total
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                f"<title>{escape(label)} · {escape(name)}：{count}</title></rect>"
            )
            if w > 18:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + bar_h - 5}" font-size="10" fill="#fff" '
                    f'text-anchor="middle">{count}</text>'
                )
            x += w
        body.append(
            f'<text x="{label_width + plot_w + 6}" y="{y + bar_h - 4}" font-size="10" fill="#6c757d">'
            f"{sum(counts)}</text>"
        )
    return _svg(width, height, title, body)
