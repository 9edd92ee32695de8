"""Charts drawn on the server as SVG (issue 17): no JavaScript, no outside files, no inline
styles (CSP): shapes carry presentation attributes and classes styled by reports.css.

Each chart has a <title> and an aria-label and is always shown beside its table, which is the
accessible (and exported) form of the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
ROW = 26
LABEL = 190
BAR_MAX = WIDTH - LABEL - 70


def _scale(values: Sequence[float]) -> float:
    top = max((v for v in values if v), default=0)
    return BAR_MAX / top if top else 0.0


def bar_chart(title: Any, items: Sequence[tuple[Any, float | int | None]]) -> SafeString:
    """Horizontal bars, one per (label, value); a value of None is drawn as no bar and '—'."""
    values = [float(v or 0) for _, v in items]
    scale = _scale(values)
    height = ROW * max(len(items), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = 4 + index * ROW
        length = round(float(value or 0) * scale, 1)
        shown = "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(
            f'<text class="chart-label" x="{LABEL - 8}" y="{y + 17}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        if length:
            parts.append(
                f'<rect class="chart-bar chart-bar-{index % 6}" x="{LABEL}" y="{y + 4}" '
                f'width="{length}" height="{ROW - 8}" rx="2"/>'
            )
        parts.append(
            f'<text class="chart-value" x="{LABEL + length + 6}" y="{y + 17}">{escape(shown)}</text>'
        )
    if not items:
        parts.append(f'<text class="chart-label" x="{LABEL}" y="20">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def column_chart(title: Any, items: Sequence[tuple[str, int]]) -> SafeString:
    """Vertical columns (e.g. one per month) with the value above and the label below."""
    height, base, top_pad = 220, 180, 24
    count = max(len(items), 1)
    step = (WIDTH - 20) / count
    bar = max(min(step * 0.6, 48), 4)
    top = max((v for _, v in items), default=0)
    scale = (base - top_pad) / top if top else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}"/>',
    ]
    for index, (label, value) in enumerate(items):
        x = 10 + index * step + (step - bar) / 2
        h = round(value * scale, 1)
        middle = round(x + bar / 2, 1)
        if h:
            parts.append(
                f'<rect class="chart-bar chart-bar-0" x="{round(x, 1)}" y="{base - h}" '
                f'width="{round(bar, 1)}" height="{h}" rx="2"/>'
            )
        parts.append(
            f'<text class="chart-value" x="{middle}" y="{base - h - 5}" '
            f'text-anchor="middle">{value}</text>'
        )
        parts.append(
            f'<text class="chart-label chart-small" x="{middle}" y="{base + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
