"""Small, dependency-free SVG charts for the self-contained report.

Each function returns one ``<svg>`` element as a string: a ``viewBox`` that scales to the width
of its container, ``role="img"`` with a ``<title>`` and ``<desc>`` for screen readers, axis labels
and values written as text, and no script, no external reference and no XML namespace URL (inline
SVG in HTML needs none), so the page stays readable offline and without JavaScript.
Colours come from the caller; the page's stylesheet sets fonts and text colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

Format = Callable[[float], str]

FONT = 12
SMALL = 11
CHAR_WIDTH = 0.56  # average glyph width of a sans-serif face, in ems, to size label columns
GRID = "#e3e6ea"
AXIS = "#8a9099"
INK = "#1f2933"
MUTED = "#52606d"


# ---------------------------------------------------------------------------------------------
# Shared pieces


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from ``low`` up to the first at or above ``high`` (about ``count`` steps)."""
    if high <= low:
        high = low + 1
    raw_step = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step * 0.999)
    ticks = [math.floor(low / step) * step]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def text_width(text: str, size: float = FONT) -> float:
    """Approximate rendered width of ``text`` (SVG cannot measure before layout)."""
    return len(text) * size * CHAR_WIDTH


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT, fill: str = INK,
          weight: str | None = None, baseline: str | None = None, extra: str = "") -> str:
    attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if baseline:
        attrs += f' dominant-baseline="{baseline}"'
    if extra:
        attrs += f" {extra}"
    return f"<text {attrs}>{escape(content)}</text>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, dash: str | None = None) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{stroke}" stroke-width="{_num(width)}"{dashed}/>')


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(max(h, 0))}" '
            f'fill="{fill}"{" " + extra if extra else ""}/>')


def _svg(chart_id: str, title: str, description: str, width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str, str | None]], x: float, y: float, max_width: float) -> tuple[list[str], float]:
    """Swatches with names, wrapping onto new rows; returns the elements and the height used."""
    parts: list[str] = []
    cx, cy = x, y
    for name, color, dash in items:
        width = 22 + text_width(name, SMALL) + 16
        if cx + width > x + max_width and cx > x:
            cx, cy = x, cy + 18
        if dash is None:
            parts.append(_rect(cx, cy - 9, 12, 12, color, 'rx="2"'))
        else:
            parts.append(_line(cx, cy - 3, cx + 16, cy - 3, color, 2.5, dash or None))
        parts.append(_text(cx + 20, cy + 1, name, size=SMALL, fill=MUTED))
        cx += width
    return parts, cy - y + 18


@dataclass(frozen=True)
class _Scale:
    domain_low: float
    domain_high: float
    range_low: float
    range_high: float

    def __call__(self, value: float) -> float:
        span = self.domain_high - self.domain_low or 1.0
        return self.range_low + (value - self.domain_low) / span * (self.range_high - self.range_low)


# ---------------------------------------------------------------------------------------------
# Line chart over days


@dataclass(frozen=True)
class LineSeries:
    """One line: ``points`` are (day, value); ``dash`` e.g. "6 4" draws it dashed."""

    name: str
    points: Sequence[tuple[date, float]]
    color: str
    dash: str | None = None
    end_label: str | None = None
    end_label_below: bool = False  # put the end label under the end point (when another line leaves from it)


@dataclass(frozen=True)
class Reference:
    """A horizontal reference line with a label (a target, an average)."""

    value: float
    label: str
    color: str = MUTED


def line_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    x_domain: tuple[date, date],
    series: Sequence[LineSeries],
    references: Sequence[Reference] = (),
    y_label: str,
    y_format: Format = lambda v: f"{v:,.0f}",
    marker_day: tuple[date, str] | None = None,
    width: int = 720,
    height: int = 320,
) -> str:
    """Lines over days, with horizontal references, a labelled end point per line and a day marker."""
    legend, legend_height = _legend([(s.name, s.color, s.dash or "") for s in series]
                                    + [(r.label, r.color, "2 3") for r in references], 56, 18, width - 80)
    top, bottom, left = 18 + legend_height + 8, 40, 56
    right = max([text_width(s.end_label or "", SMALL) for s in series] + [40]) + 14
    values = [v for s in series for _, v in s.points] + [r.value for r in references]
    ticks = nice_ticks(0, max(values + [1]))
    y = _Scale(0, ticks[-1], height - bottom, top)
    first, last = x_domain
    days = max((last - first).days, 1)
    x = _Scale(0, days, left, width - right)

    def px(day: date) -> float:
        return x((day - first).days)

    body = list(legend)
    for tick in ticks:
        body.append(_line(left, y(tick), width - right, y(tick), GRID))
        body.append(_text(left - 8, y(tick) + 4, y_format(tick), anchor="end", size=SMALL, fill=MUTED))
    body.append(_line(left, height - bottom, width - right, height - bottom, AXIS))
    step = 7 if days > 14 else (2 if days > 6 else 1)
    for offset in range(0, days + 1, step):
        day = first.fromordinal(first.toordinal() + offset)
        body.append(_line(px(day), height - bottom, px(day), height - bottom + 4, AXIS))
        body.append(_text(px(day), height - bottom + 17, f"{day:%b} {day.day}", anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text(14, (top + height - bottom) / 2, y_label, anchor="middle", size=SMALL, fill=MUTED,
                      extra=f'transform="rotate(-90 14 {_num((top + height - bottom) / 2)})"'))
    if marker_day is not None:
        day, label = marker_day
        body.append(_line(px(day), top, px(day), height - bottom, AXIS, 1, "2 3"))
        anchor = "end" if px(day) > (left + width - right) / 2 else "start"
        shift = -4 if anchor == "end" else 4
        body.append(_text(px(day) + shift, top + 11, label, anchor=anchor, size=SMALL, fill=MUTED))
    for ref in references:
        body.append(_line(left, y(ref.value), width - right, y(ref.value), ref.color, 1.5, "2 3"))
    for s in series:
        if not s.points:
            continue
        path = " ".join(f"{'M' if i == 0 else 'L'}{_num(px(d))},{_num(y(v))}" for i, (d, v) in enumerate(s.points))
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        body.append(f'<path d="{path}" fill="none" stroke="{s.color}" stroke-width="2.5" '
                    f'stroke-linejoin="round" stroke-linecap="round"{dash}/>')
        end_day, end_value = s.points[-1]
        body.append(f'<circle cx="{_num(px(end_day))}" cy="{_num(y(end_value))}" r="3.5" fill="{s.color}"/>')
        if s.end_label:
            dy = 17 if s.end_label_below else 4
            body.append(_text(px(end_day) + 7, y(end_value) + dy, s.end_label, size=SMALL, fill=s.color, weight="600"))
    return _svg(chart_id, title, description, width, height, body)


# ---------------------------------------------------------------------------------------------
# Bars


@dataclass(frozen=True)
class BarSeries:
    """One series of a grouped bar chart: a value per category (None: no bar)."""

    name: str
    values: Sequence[float | None]
    color: str


def grouped_bar_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[BarSeries],
    x_label: str,
    value_format: Format = lambda v: f"{v:,.0f}",
    width: int = 720,
) -> str:
    """Horizontal bars, one group per category and one bar per series, each labelled with its value."""
    bar, gap, group_gap = 9, 2, 12
    label_width = max([text_width(c) for c in categories] + [40]) + 14
    legend, legend_height = _legend([(s.name, s.color, None) for s in series], label_width, 18, width - label_width)
    top = 18 + legend_height + 6
    group_height = len(series) * (bar + gap) - gap
    plot_height = len(categories) * (group_height + group_gap)
    height = top + plot_height + 42
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(0, max(values + [1]))
    x = _Scale(0, ticks[-1], label_width, width - 56)
    body = list(legend)
    for tick in ticks:
        body.append(_line(x(tick), top - 4, x(tick), top + plot_height, GRID))
        body.append(_text(x(tick), top + plot_height + 16, value_format(tick), anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text((label_width + width - 56) / 2, top + plot_height + 34, x_label, anchor="middle", size=SMALL, fill=MUTED))
    for i, category in enumerate(categories):
        group_top = top + i * (group_height + group_gap)
        body.append(_text(label_width - 10, group_top + group_height / 2 + 4, category, anchor="end"))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            bar_top = group_top + j * (bar + gap)
            body.append(_rect(x(0), bar_top, x(value) - x(0), bar, s.color, 'rx="1.5"'))
            body.append(_text(x(value) + 4, bar_top + bar - 1, value_format(value), size=10, fill=MUTED))
    body.append(_line(x(0), top - 4, x(0), top + plot_height, AXIS))
    return _svg(chart_id, title, description, width, height, body)


@dataclass(frozen=True)
class BulletRow:
    """Delivery against a commitment: delivered so far, where the pace says it should be, where it
    is heading, and the target."""

    label: str
    delivered: float
    target: float | None
    pace: float | None
    projected: float | None
    note: str = ""


def bullet_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    rows: Sequence[BulletRow],
    x_label: str,
    colors: dict[str, str],
    width: int = 720,
) -> str:
    """One bullet per row: a bar for delivered, a lighter bar for the projection, ticks for pace and target.

    ``colors`` needs ``delivered``, ``projected``, ``target`` and ``pace``.
    """
    label_width = max([text_width(r.label) for r in rows] + [40]) + 14
    note_width = max([text_width(r.note, SMALL) for r in rows] + [0]) + 12
    items = [("Delivered", colors["delivered"], None), ("Projected to month end", colors["projected"], None),
             ("Target", colors["target"], ""), ("Pace target today", colors["pace"], "3 2")]
    legend, legend_height = _legend(items, label_width, 18, width - label_width)
    top, row_height = 18 + legend_height + 8, 34
    plot_height = len(rows) * row_height
    height = top + plot_height + 40
    values = [v for r in rows for v in (r.delivered, r.target, r.pace, r.projected) if v is not None]
    ticks = nice_ticks(0, max(values + [1]))
    x = _Scale(0, ticks[-1], label_width, width - note_width)
    body = list(legend)
    for tick in ticks:
        body.append(_line(x(tick), top - 4, x(tick), top + plot_height, GRID))
        body.append(_text(x(tick), top + plot_height + 16, f"{tick:,.0f}", anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text((label_width + width - note_width) / 2, top + plot_height + 34, x_label, anchor="middle", size=SMALL, fill=MUTED))
    for i, row in enumerate(rows):
        mid = top + i * row_height + row_height / 2
        body.append(_text(label_width - 10, mid + 4, row.label, anchor="end"))
        if row.projected is not None:
            body.append(_rect(x(0), mid - 8, x(row.projected) - x(0), 16, colors["projected"], 'rx="2"'))
        body.append(_rect(x(0), mid - 5, x(row.delivered) - x(0), 10, colors["delivered"], 'rx="2"'))
        if row.pace is not None:
            body.append(_line(x(row.pace), mid - 12, x(row.pace), mid + 12, colors["pace"], 2, "3 2"))
        if row.target is not None:
            body.append(_line(x(row.target), mid - 12, x(row.target), mid + 12, colors["target"], 3))
        if row.note:
            body.append(_text(width - note_width + 8, mid + 4, row.note, size=SMALL, fill=MUTED))
    body.append(_line(x(0), top - 4, x(0), top + plot_height, AXIS))
    return _svg(chart_id, title, description, width, height, body)


@dataclass(frozen=True)
class Bin:
    """A histogram bin ``[low, high)``; ``high`` None for the open last bin."""

    label: str
    low: float
    high: float | None
    count: int


@dataclass(frozen=True)
class EdgeMarker:
    """A dashed vertical line at a bin edge (e.g. an SLA target), labelled."""

    edge: float
    label: str
    color: str = INK


def histogram(
    chart_id: str,
    *,
    title: str,
    description: str,
    bins: Sequence[Bin],
    markers: Sequence[EdgeMarker] = (),
    x_label: str,
    y_label: str,
    color: str,
    width: int = 720,
    height: int = 300,
) -> str:
    """Counts per bin as adjacent columns (bins may differ in width: they are drawn equally wide,
    labelled with their bounds), each with its count on top, and markers at bin edges."""
    left, right, bottom = 52, 16, 54
    marker_rows = max(len(markers), 1)
    top = 14 + marker_rows * 15
    ticks = nice_ticks(0, max([b.count for b in bins] + [1]), 4)
    y = _Scale(0, ticks[-1], height - bottom, top)
    column = (width - left - right) / max(len(bins), 1)
    body: list[str] = []
    for tick in ticks:
        body.append(_line(left, y(tick), width - right, y(tick), GRID))
        body.append(_text(left - 8, y(tick) + 4, f"{tick:,.0f}", anchor="end", size=SMALL, fill=MUTED))
    for i, b in enumerate(bins):
        x0 = left + i * column
        body.append(_rect(x0 + 2, y(b.count), column - 4, y(0) - y(b.count), color, 'rx="2"'))
        body.append(_text(x0 + column / 2, y(b.count) - 5, f"{b.count:,}", anchor="middle", size=SMALL, weight="600"))
        body.append(_text(x0 + column / 2, height - bottom + 16, b.label, anchor="middle", size=SMALL, fill=MUTED))
    body.append(_line(left, y(0), width - right, y(0), AXIS))
    body.append(_text((left + width - right) / 2, height - bottom + 38, x_label, anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text(14, (top + height - bottom) / 2, y_label, anchor="middle", size=SMALL, fill=MUTED,
                      extra=f'transform="rotate(-90 14 {_num((top + height - bottom) / 2)})"'))
    for k, marker in enumerate(markers):
        index = next((i for i, b in enumerate(bins) if b.low == marker.edge), None)
        if index is None:
            continue
        mx = left + index * column
        label_y = 12 + k * 15
        body.append(_line(mx, label_y + 3, mx, y(0), marker.color, 1.5, "4 3"))
        anchor = "end" if mx > (left + width) / 2 else "start"
        body.append(_text(mx + (-4 if anchor == "end" else 4), label_y + 1, marker.label, anchor=anchor, size=SMALL,
                          fill=marker.color, weight="600"))
    return _svg(chart_id, title, description, width, height, body)


# ---------------------------------------------------------------------------------------------
# Heatmap


def heatmap(
    chart_id: str,
    *,
    title: str,
    description: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float]],
    x_label: str,
    color: tuple[int, int, int],
    width: int = 720,
) -> str:
    """A grid of counts (rows × columns), each cell shaded by its value and showing it as text."""
    label_width = max([text_width(r) for r in rows] + [40]) + 14
    top, cell_height = 30, 26
    column_width = (width - label_width - 10) / max(len(columns), 1)
    height = top + len(rows) * cell_height + 34
    peak = max([v for row in values for v in row] + [1])
    body: list[str] = []
    for j, name in enumerate(columns):
        body.append(_text(label_width + (j + 0.5) * column_width, top - 10, name, anchor="middle", size=SMALL, fill=MUTED))
    for i, name in enumerate(rows):
        cy = top + i * cell_height
        body.append(_text(label_width - 10, cy + cell_height / 2 + 4, name, anchor="end"))
        for j, value in enumerate(values[i]):
            share = value / peak if peak else 0
            fill = _blend((246, 247, 249), color, 0.12 + 0.88 * share) if value else "#f6f7f9"
            body.append(_rect(label_width + j * column_width + 1, cy + 1, column_width - 2, cell_height - 2, fill, 'rx="3"'))
            ink = "#ffffff" if share > 0.55 else (INK if value else "#9aa5b1")
            body.append(_text(label_width + (j + 0.5) * column_width, cy + cell_height / 2 + 4, f"{value:,.0f}",
                              anchor="middle", size=SMALL, fill=ink, weight="600" if value else None))
    body.append(_text(label_width + (width - label_width) / 2, height - 8, x_label, anchor="middle", size=SMALL, fill=MUTED))
    return _svg(chart_id, title, description, width, height, body)


def _blend(low: tuple[int, int, int], high: tuple[int, int, int], share: float) -> str:
    r, g, b = (round(a + (z - a) * min(max(share, 0.0), 1.0)) for a, z in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


# ---------------------------------------------------------------------------------------------
# Estimates with intervals (a forest plot)


@dataclass(frozen=True)
class IntervalRow:
    """An estimate with its interval; ``expected`` draws a hollow diamond (what was expected)."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    note: str = ""
    emphasis: bool = False
    expected: float | None = None


@dataclass(frozen=True)
class IntervalGroup:
    label: str
    rows: Sequence[IntervalRow] = field(default_factory=tuple)


def interval_plot(
    chart_id: str,
    *,
    title: str,
    description: str,
    groups: Sequence[IntervalGroup],
    reference: Reference | None,
    x_label: str,
    x_format: Format,
    color: str,
    emphasis_color: str,
    x_max: float | None = None,
    width: int = 720,
) -> str:
    """Rows of point estimates with interval whiskers, grouped under headings, against a reference line.

    Emphasised rows are drawn in ``emphasis_color`` with bold labels; ``note`` is printed at the right.
    ``x_max`` fixes the axis (to share it between plots, or to keep one wide interval from squeezing
    the rest); whiskers beyond it end in an arrowhead.
    """
    rows = [r for g in groups for r in g.rows]
    label_width = max([text_width(r.label) + 12 for r in rows] + [text_width(g.label) for g in groups] + [40]) + 14
    note_width = max([text_width(r.note, SMALL) for r in rows] + [0]) + 14
    row_height, heading_height = 20, 26
    top = 34
    plot_height = sum(heading_height + len(g.rows) * row_height for g in groups)
    height = top + plot_height + 40
    values = [v for r in rows for v in (r.estimate, r.high, r.expected) if v is not None]
    if reference is not None:
        values.append(reference.value)
    ticks = nice_ticks(0, x_max if x_max is not None else max(values + [0.01]))
    x = _Scale(0, ticks[-1], label_width, width - note_width)
    limit = ticks[-1]
    body: list[str] = []
    for tick in ticks:
        body.append(_line(x(tick), top - 6, x(tick), top + plot_height, GRID))
        body.append(_text(x(tick), top + plot_height + 16, x_format(tick), anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text((label_width + width - note_width) / 2, top + plot_height + 34, x_label, anchor="middle", size=SMALL, fill=MUTED))
    if reference is not None:
        rx = x(reference.value)
        body.append(_line(rx, top - 6, rx, top + plot_height, reference.color, 1.5, "4 3"))
        body.append(_text(rx, top - 12, reference.label, anchor="middle", size=SMALL, fill=reference.color, weight="600"))
    cy = top
    for group in groups:
        body.append(_text(8, cy + 17, group.label, size=FONT, weight="700"))
        body.append(_line(8, cy + heading_height - 3, width - 8, cy + heading_height - 3, GRID))
        cy += heading_height
        for row in group.rows:
            mid = cy + row_height / 2
            ink = emphasis_color if row.emphasis else color
            body.append(_text(label_width - 10, mid + 4, row.label, anchor="end",
                              weight="600" if row.emphasis else None, fill=INK if row.emphasis else MUTED))
            if row.low is not None and row.high is not None:
                low, high = max(row.low, 0.0), min(row.high, limit)
                body.append(_line(x(low), mid, x(high), mid, ink, 2))
                body.append(_line(x(low), mid - 4, x(low), mid + 4, ink, 1.5))
                if row.high > limit:
                    tip = x(limit)
                    body.append(f'<path d="M{_num(tip - 6)},{_num(mid - 4)} L{_num(tip)},{_num(mid)} '
                                f'L{_num(tip - 6)},{_num(mid + 4)} Z" fill="{ink}"/>')
                else:
                    body.append(_line(x(high), mid - 4, x(high), mid + 4, ink, 1.5))
            if row.expected is not None:
                ex, size = x(row.expected), 5
                body.append(f'<path d="M{_num(ex)},{_num(mid - size)} L{_num(ex + size)},{_num(mid)} '
                            f'L{_num(ex)},{_num(mid + size)} L{_num(ex - size)},{_num(mid)} Z" fill="#ffffff" '
                            f'stroke="{INK}" stroke-width="1.5"/>')
            if row.estimate is not None:
                body.append(f'<circle cx="{_num(x(min(row.estimate, limit)))}" cy="{_num(mid)}" r="4.5" fill="{ink}" '
                            'stroke="#ffffff" stroke-width="1.5"/>')
            if row.note:
                body.append(_text(width - note_width + 10, mid + 4, row.note, size=SMALL, fill=MUTED))
            cy += row_height
    return _svg(chart_id, title, description, width, height, body)
