"""The report's sections as HTML: charts (inline SVG) and, for every number a chart shows, a table.

Every number is written in a cell or span carrying ``data-metric`` (a stable, dotted name such as
``marketing.total.mqls_delivered`` or ``funnel.organic_search.new_leads``) and ``data-value`` (the
raw value: integers exact, ratios as fractions, '' when unknown), so tests and scripts can read
the page without parsing the formatted text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from lead_sla.report import svg
from lead_sla.report.data import (
    BREACH_AGES,
    BREACH_WEEKS,
    CADENCE,
    ContentConversion,
    FOLLOWUP_COUNTS,
    FOLLOWUP_OUTCOMES,
    Attainment,
    Breaches,
    FollowupEvidence,
    Funnel,
    IcpVersion,
    LeadLists,
    ManagerView,
    Marketing,
    ProfileGaps,
    Quarantine,
    ReportData,
    RepList,
    Response,
    Restated,
    Row,
)
from lead_sla.report.formatting import (
    DASH,
    axis_percent,
    business_minutes,
    decimal,
    integer,
    local_time,
    long_day,
    minutes,
    minutes_compact,
    money,
    number,
    percent,
    raw,
    short_day,
)
from lead_sla.report.page import render_page

FULL = 1000  # chart widths in px: a full panel, and one column of two
HALF = 490
MIN_CHART_SCALE = 0.64
LIST_VISIBLE = 10  # rows of a long list shown at once; the rest folds under "show more"
REP_LIST_VISIBLE = 5  # each rep's list shows its top five leads; the rest folds

BLUE = "#1f5fa8"
BLUE_SOFT = "#b7cfea"
BLUE_MID = "#4f83c4"
ORANGE = "#c2410c"
GREEN = "#0f7b55"
GREY = "#6b7785"
STAGE_COLORS = ("#0b3d91", "#2f74c8", "#7fb2e8", GREEN)
BREACH_RGB = (196, 50, 10)

SEGMENT_NAMES = {"smb": "SMB", "mid_market": "Mid-market", "enterprise": "Enterprise",
                 "unknown": "Unknown size", "total": "All segments"}
PRIORITY_NAMES = {"demo_request": "Demo request", "tier_a": "Tier A", "other": "Other", "all": "All priorities"}
ATTRIBUTE_NAMES = {"industry": "Industry", "company_size": "Company size", "annual_revenue": "Annual revenue",
                   "need": "Need", "seniority": "Seniority", "country": "Country", "icp_tier": "ICP tier"}
ATTRIBUTE_ORDER = ("industry", "company_size", "annual_revenue", "need", "seniority", "country")
STATUS_NAMES = {"open_breach": "Overdue", "pending": "Due", "unassigned": "No owner", "met": "Met",
                "late": "Late", "excluded": "Excluded", "routing_breach": "Routing breach"}


def label(names: dict[str, str], key: object) -> str:
    """A display name for a code: from ``names``, else the code with underscores as spaces, capitalised."""
    text = str(key)
    return names.get(text, text.replace("_", " ").capitalize())


# ---------------------------------------------------------------------------------------------
# Tables and metric spans


@dataclass(frozen=True)
class Cell:
    """A table cell: text (escaped) or ``html`` (trusted), optionally a metric with its raw value."""

    text: str = ""
    metric: str | None = None
    value: object = None
    numeric: bool = True
    html: str | None = None
    css: str = ""


def metric_attrs(metric: str, value: object) -> str:
    return f'data-metric="{escape(metric)}" data-value="{escape(raw(value))}"'


def metric_span(metric: str, value: object, text: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<span{klass} {metric_attrs(metric, value)}>{escape(text)}</span>"


def mc(metric: str, value: object, fmt: Callable[[object], str]) -> Cell:
    """A numeric cell showing ``fmt(value)`` for the metric."""
    return Cell(fmt(value), metric, value)


def text_cell(text: str) -> Cell:
    return Cell(text, numeric=False)


def render_table(caption: str, note: str, headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[Cell]],
                 foot: Sequence[Sequence[Cell]] = (), css: str = "", caption_hidden: bool = False) -> str:
    """A data table: the first cell of each row is its header; ``headers`` are (name, is_numeric)."""
    def cell(c: Cell, tag: str, scope: str = "", label: str = "") -> str:
        classes = " ".join(x for x in ("num" if c.numeric else "", c.css) if x)
        attrs = (f' class="{classes}"' if classes else "") + (f' scope="{scope}"' if scope else "")
        attrs += f' data-label="{escape(label)}"' if label else ""
        if c.metric is not None:
            attrs += " " + metric_attrs(c.metric, c.value)
        return f"<{tag}{attrs}>{c.html if c.html is not None else escape(c.text)}</{tag}>"

    names = [name for name, _ in headers]

    def row(cells: Sequence[Cell]) -> str:
        # data-label repeats the column name on each cell, for the stacked layout on narrow screens
        body = "".join(cell(c, "td", label=names[i] if i < len(names) else "") for i, c in enumerate(cells[1:], start=1))
        return "<tr>" + cell(cells[0], "th", "row") + body + "</tr>"

    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if numeric else ""}>{escape(name)}</th>' for name, numeric in headers)
    caption_html = escape(caption) + (f"<span>{escape(note)}</span>" if note else "")
    table_class = f' class="{css}"' if css else ""
    caption_class = ' class="sr-only"' if caption_hidden else ""
    html = (f'<div class="table-scroll"><table{table_class}>'
            f"<caption{caption_class}>{caption_html}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(row(r) for r in rows)}</tbody>")
    if foot:
        html += f"<tfoot>{''.join(row(r) for r in foot)}</tfoot>"
    return html + "</table></div>"


def figure(title: str, note: str, chart: str) -> str:
    """A captioned chart. On a narrow screen the chart shrinks to at most MIN_CHART_SCALE of its
    size and then scrolls sideways, so its text stays legible."""
    match = re.search(r'<svg[^>]* width="([0-9.]+)"', chart)
    min_width = round(float(match.group(1)) * MIN_CHART_SCALE) if match else 0
    return (f"<figure><figcaption>{escape(title)}<span>{escape(note)}</span></figcaption>"
            f'<div class="chart-scroll"><div style="min-width: {min_width}px">{chart}</div></div></figure>')


def details(summary: str, body: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def section(anchor: str, title: str, period: str, lede: str, body: str) -> str:
    period_badge = f' <span class="period">{escape(period)}</span>' if period else ""
    return (f'<section class="panel" id="{anchor}" aria-labelledby="{anchor}-title">'
            f'<h2 id="{anchor}-title">{escape(title)}{period_badge}</h2><p class="lede">{escape(lede)}</p>{body}</section>')


def empty(text: str) -> str:
    """What a section says instead of an empty chart."""
    return f'<p class="empty">{escape(text)}</p>'


# What a section says when the source stream it reads had no data in the published day (``meta.streams``):
# an empty chart there would read as "nothing happened" when the company simply has no such export.
ABSENT_STREAM_NOTES = {
    "activities": "No activities export: first responses cannot be measured.",
    "web_sessions": "No web sessions export: visits and landing pages cannot be counted.",
    "content": "No web sessions, form or e-mail exports: no engagement with content can be counted.",
}
CONTENT_STREAMS = ("web_sessions", "form_submissions", "email_events")


def absent_stream_note(key: str) -> str:
    """The one-line note of a section (or part of one) hidden because its input stream is absent."""
    return f'<p class="empty absent-stream" data-absent-stream="{escape(key)}">{escape(ABSENT_STREAM_NOTES[key])}</p>'


def period_text(start: date, end: date) -> str:
    return f"{short_day(start)} – {short_day(end)}"


def badge(text: str, tone: str) -> str:
    return f'<span class="badge {tone}">{escape(text)}</span>'


def pace_tone(ratio: float | None) -> tuple[str, str]:
    if ratio is None:
        return "no pace yet", "neutral"
    if ratio >= 1:
        return "on pace", "good"
    if ratio >= 0.9:
        return "slightly behind", "warn"
    return "behind pace", "bad"


# ---------------------------------------------------------------------------------------------
# Summary


def summary_section(data: ReportData) -> str:
    total = data.marketing.total
    breaches = data.breaches.total
    response = data.response.total
    pace_text, tone = pace_tone(number(total["pace_attainment"]))
    cards = [
        ("MQLs delivered this month", metric_span("kpi.mqls_delivered", total["mqls_delivered"], integer(total["mqls_delivered"])),
         f"of {metric_span('kpi.mql_target', total['mql_target'], integer(total['mql_target']))} committed · "
         f"{metric_span('kpi.mql_attainment', total['mql_attainment'], percent(total['mql_attainment']))}"),
        ("Pace", metric_span("kpi.pace_attainment", total["pace_attainment"], percent(total["pace_attainment"])),
         f"of today's pace target {badge(pace_text, tone)}"),
        ("Projected by month end", metric_span("kpi.projected_mqls", total["projected_mqls"], integer(total["projected_mqls"])),
         f"{metric_span('kpi.projected_attainment', total['projected_attainment'], percent(total['projected_attainment']))} of the target"),
        ("Deadlines met", metric_span("kpi.sales_sla_attainment", breaches["sla_attainment"], percent(breaches["sla_attainment"])),
         f"{metric_span('kpi.handoffs_met_by_due', breaches['handoffs_met_by_due'], integer(breaches['handoffs_met_by_due']))} of "
         f"{metric_span('kpi.handoffs_due', breaches['handoffs_due'], integer(breaches['handoffs_due']))} first-touch deadlines "
         f"that fell in the last {(data.breaches.end - data.breaches.start).days + 1} days, touched or not"),
        ("Open breaches", metric_span("kpi.open_breaches", breaches["open_breaches"], integer(breaches["open_breaches"])),
         "handoffs past due with no first touch"),
        ("Quarantined tonight", metric_span("kpi.rows_quarantined", data.quarantine.rows_quarantined if data.quarantine.available else None,
                                            integer(data.quarantine.rows_quarantined) if data.quarantine.available else DASH),
         escape(_quarantine_card_note(data.quarantine))),
        ("Median first response", metric_span("kpi.median_response_minutes", response["median_minutes"], minutes_compact(response["median_minutes"])),
         f"business time, {metric_span('kpi.handoffs_touched', response['handoffs_touched'], integer(response['handoffs_touched']))} "
         "handoffs touched"),
    ]
    if data.streams.lacks("activities"):
        # no touches are known: the first-touch figures would all read as breaches
        unmeasured = {"Deadlines met": "kpi.sales_sla_attainment", "Open breaches": "kpi.open_breaches",
                      "Median first response": "kpi.median_response_minutes"}
        cards = [(name, metric_span(unmeasured[name], None, DASH), escape(ABSENT_STREAM_NOTES["activities"]))
                 if name in unmeasured else (name, value, sub) for name, value, sub in cards]
    items = "".join(f'<li class="kpi"><p class="label">{escape(name)}</p><p class="value">{value}</p><p class="sub">{sub}</p></li>'
                    for name, value, sub in cards)
    return (f'<section class="panel" id="summary" aria-labelledby="summary-title"><h2 id="summary-title">At a glance</h2>'
            f'<ul class="kpis">{items}</ul></section>')


# ---------------------------------------------------------------------------------------------
# Marketing


MARKETING_DELIVERY = (
    ("Target", "mql_target", integer), ("Delivered", "mqls_delivered", integer),
    ("Attainment", "mql_attainment", percent), ("Pace target today", "pace_target_mqls", lambda v: decimal(v, 1)),
    ("Pace", "pace_attainment", percent), ("Projected", "projected_mqls", lambda v: decimal(v, 0)),
    ("Projected attainment", "projected_attainment", percent),
)


def marketing_section(data: ReportData) -> str:
    m: Marketing = data.marketing
    total = m.total
    day = data.run_date
    title, period = "Marketing: MQLs against the commitment", f"month to date, {period_text(m.month_start, day)}"
    if not m.segments:
        return section("marketing", title, period, "What marketing committed to deliver this month and what it delivered.",
                       empty(f"No commitment and no MQL are recorded for {m.month_start:%B %Y} yet."))
    delivered_points = [(r["report_date"], number(r["mqls_delivered"]) or 0.0) for r in m.days]
    pace_points = [(r["report_date"], number(r["pace_target_mqls"]) or 0.0) for r in m.days if number(r["pace_target_mqls"]) is not None]
    projected = number(total["projected_mqls"])
    projecting = projected is not None and bool(delivered_points) and m.month_end > day
    series = [
        svg.LineSeries("Delivered", delivered_points, BLUE, end_label=f"{integer(total['mqls_delivered'])} delivered",
                       end_label_below=projecting),
        svg.LineSeries("Pace target", pace_points, ORANGE, dash="5 4",
                       end_label=f"{decimal(total['pace_target_mqls'], 0)} pace" if pace_points else None),
    ]
    if projecting:
        series.append(svg.LineSeries("Projection", [(day, delivered_points[-1][1]), (m.month_end, projected)], BLUE_MID,
                                     dash="2 4", end_label=f"{decimal(projected, 0)} projected"))
    references = [svg.Reference(number(total["mql_target"]) or 0.0, f"Target {integer(total['mql_target'])}", "#1f2933")] \
        if number(total["mql_target"]) is not None else []
    line = svg.line_chart(
        "chart-marketing-mtd", title="MQLs delivered this month against target, pace and projection",
        description=(f"Month to date on {long_day(day)}: {integer(total['mqls_delivered'])} MQLs delivered against a target of "
                     f"{integer(total['mql_target'])}; pace target today {decimal(total['pace_target_mqls'], 1)}; "
                     f"projected {decimal(projected, 0)} by month end."),
        x_domain=(m.month_start, m.month_end), series=series, references=references, y_label="MQLs (month to date)",
        marker_day=(day, "today") if day < m.month_end else None, width=HALF, height=330,
    )
    bullets = [
        svg.BulletRow(label(SEGMENT_NAMES, s["segment"]), number(s["mqls_delivered"]) or 0.0, number(s["mql_target"]),
                      number(s["pace_target_mqls"]), number(s["projected_mqls"]),
                      note=f"{integer(s['mqls_delivered'])} / {integer(s['mql_target'])}")
        for s in m.segments
    ]
    bullet = svg.bullet_chart(
        "chart-marketing-segments", title="MQLs by segment against target",
        description="; ".join(f"{b.label}: {b.note}" for b in bullets), rows=bullets, x_label="MQLs",
        colors={"delivered": BLUE, "projected": BLUE_SOFT, "target": "#1f2933", "pace": ORANGE}, width=HALF,
    )
    delivery_rows = [[text_cell(label(SEGMENT_NAMES, s["segment"]))]
                     + [mc(f"marketing.{s['segment']}.{col}", s[col], fmt) for _, col, fmt in MARKETING_DELIVERY]
                     for s in m.segments]
    delivery_foot = [[text_cell(SEGMENT_NAMES["total"])]
                     + [mc(f"marketing.total.{col}", total[col], fmt) for _, col, fmt in MARKETING_DELIVERY]]
    elapsed, in_month = total["business_days_elapsed"], total["business_days_in_month"]
    delivery = render_table(
        "Delivery against the commitment",
        f"Business days elapsed: {integer(elapsed)} of {integer(in_month)}. Pace = delivered ÷ the target pro-rated by "
        "business days; projection = delivered at this pace to month end. Totals add the segments.",
        [("Segment", False)] + [(name, True) for name, _, _ in MARKETING_DELIVERY], delivery_rows, delivery_foot,
    )
    value_note = "Lead value = win probability of the lead's tier × average deal size."
    quality_cols = (("Tier A share", "tier_a_share", percent), ("Accepted in window", "acceptance_rate", percent),
                    ("Rejected", "mqls_rejected", integer), ("Lead value", "lead_value_delivered", integer),
                    ("Value target", "lead_value_target", integer), ("Value attainment", "lead_value_attainment", percent))

    def quality_row(s: Row, key: str) -> list[Cell]:
        reasons = s.get("top_rejection_reasons")
        return ([text_cell(label(SEGMENT_NAMES, key))]
                + [mc(f"marketing.{key}.{col}", s[col], fmt) for _, col, fmt in quality_cols]
                + [Cell(str(reasons) if reasons else DASH, numeric=False, css="text-wrap")])

    quality = render_table(
        "Quality of what was delivered",
        f"Accepted: as SQL within the agreement's window (recent MQLs can still be accepted). {value_note} "
        "The total's value target and attainment cover the segments that have one.",
        [("Segment", False)] + [(name, True) for name, _, _ in quality_cols] + [("Top rejection reasons", False)],
        [quality_row(s, s["segment"]) for s in m.segments], [quality_row(total, "total")[:-1] + [text_cell("")]],
    )
    daily = render_table(
        "Month to date, day by day (all segments)", "",
        [("Day", False), ("Delivered", True), ("Pace target", True)],
        [[text_cell(r["report_date"].isoformat()),
          mc(f"marketing.daily.{r['report_date'].isoformat()}.mqls_delivered", r["mqls_delivered"], integer),
          mc(f"marketing.daily.{r['report_date'].isoformat()}.pace_target_mqls", r["pace_target_mqls"], lambda v: decimal(v, 1))]
         for r in m.days],
    )
    version = ", ".join(sorted({str(s["sla_version"]) for s in m.segments if s.get("sla_version")}))
    body = (
        '<div class="grid-2">'
        + figure("Month to date", "Cumulative MQLs against the pace target; the dotted line projects today's pace.", line)
        + figure("By segment", "Bar: delivered. Light bar: projected. Solid tick: target. Dashed tick: pace target today.", bullet)
        + "</div>" + delivery + quality + details("Daily values behind the chart", daily)
    )
    return section("marketing", title, period,
                   f"What marketing committed to deliver this month (SLA version {version}), what it delivered so far, "
                   "and where it is heading.", body)


# ---------------------------------------------------------------------------------------------
# Sales: first response and breaches


def response_section(data: ReportData) -> str:
    r: Response = data.response
    title, lede = "Sales: first-response times", "How quickly reps made the first outbound touch on the leads handed to them."
    if data.streams.lacks("activities"):
        return section("response", title, period_text(r.start, r.end), lede, absent_stream_note("activities"))
    if not r.total["handoffs_touched"]:
        return section("response", title, period_text(r.start, r.end), lede,
                       empty("No handoff received in the period has been touched yet."))
    targets: dict[int, list[str]] = {}
    for priority, target in r.targets:
        targets.setdefault(target, []).append(label(PRIORITY_NAMES, priority))
    markers = [svg.EdgeMarker(float(t), f"{' / '.join(names)} ≤ {minutes(t)}", ORANGE) for t, names in sorted(targets.items())]
    bins = [svg.Bin(name, low, high, count) for name, low, high, count in r.bins]
    chart = svg.histogram(
        "chart-response", title="First response in business minutes",
        description="Handoffs per response-time bin: " + "; ".join(f"{b.label}: {b.count}" for b in bins),
        bins=bins, markers=markers, x_label="Business time from the rep's clock start to the first touch",
        y_label="Handoffs", color=BLUE, width=FULL, height=300,
    )
    cols = (("Touched", "handoffs_touched", integer), ("Median", "median_minutes", minutes), ("90th percentile", "p90_minutes", minutes),
            ("On time", "met", integer), ("Late", "late", integer), ("Touched on time", "met_share", percent))
    rows = [[text_cell(label(PRIORITY_NAMES, p["priority"])), text_cell(" / ".join(minutes(int(t)) for t in str(p["targets"]).split(" / ")))]
            + [mc(f"response.{p['priority']}.{col}", p[col], fmt) for _, col, fmt in cols] for p in r.by_priority]
    foot = [[text_cell(PRIORITY_NAMES["all"]), text_cell("")] + [mc(f"response.all.{col}", r.total[col], fmt) for _, col, fmt in cols]]
    table = render_table(
        "First response by priority", "Rep view: from when the current rep's clock started; business time in the rep's calendar. "
        "Touched on time: of the handoffs received in the period and touched so far, the share touched by their due time "
        "(the summary's deadlines met counts every deadline that fell in the period, touched or not).",
        [("Priority", False), ("Commitment", False)] + [(name, True) for name, _, _ in cols], rows, foot,
    )
    bin_table = render_table(
        "Handoffs per bin", "", [("Business time to first touch", False), ("Handoffs", True)],
        [[text_cell(b.label), mc(f"response.bin.{b.low:g}", b.count, integer)] for b in bins],
    )
    body = (figure("Distribution", "Handoffs received in the period and touched by the end of the day; dashed lines mark the "
                   "commitments.", chart) + table + details("Counts behind the chart", bin_table) + _speed_tables(data))
    return section("response", title, period_text(r.start, r.end), lede, body)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPEED_COLUMNS = (("Handoffs", "handoffs", integer), ("Touched", "touched", integer),
                 ("Median, business time", "median_business_minutes", minutes),
                 ("Median, wall clock", "median_wall_minutes", minutes))


def _speed_tables(data: ReportData) -> str:
    """First response on the wall clock beside business time, by weekday and hour of the handoff:
    a handoff on Friday evening waits the weekend on the wall clock, not in business time."""
    speed = data.speed
    if not speed.by_weekday:
        return ""
    headers = [("Handed off", False)] + [(name, True) for name, _, _ in SPEED_COLUMNS]
    note = (f"Team view, from the first owner's clock start to the first touch; handoffs received in the period (not "
            f"excluded), by the day and hour they arrived in {speed.zone}. Business time counts working hours only; the "
            "wall clock counts nights and weekends too.")
    weekday = render_table(
        "Speed to lead by weekday of the handoff", note, headers,
        [[text_cell(WEEKDAY_NAMES[int(r["isodow"]) - 1])]
         + [mc(f"response.weekday.{int(r['isodow'])}.{col}", r[col], fmt) for _, col, fmt in SPEED_COLUMNS]
         for r in speed.by_weekday],
    )
    hourly = render_table(
        "Speed to lead by hour of the handoff", f"Hours in {speed.zone}.", headers,
        [[text_cell(f"{int(r['hour']):02d}:00–{int(r['hour']) + 1:02d}:00")]
         + [mc(f"response.hour.{int(r['hour'])}.{col}", r[col], fmt) for _, col, fmt in SPEED_COLUMNS]
         for r in speed.by_hour],
    )
    return weekday + details("By hour of the handoff", hourly)


BREACH_COLUMNS = (("Received", "handoffs_received", integer), ("Due", "handoffs_due", integer),
                  ("Met by due", "handoffs_met_by_due", integer), ("Breached", "handoffs_breached", integer),
                  ("Attainment", "sla_attainment", percent), ("Touched late", "handoffs_touched_late", integer),
                  ("Pending tonight", "handoffs_pending", integer), ("Open breaches now", "open_breaches", integer))


def breaches_section(data: ReportData) -> str:
    b: Breaches = data.breaches
    title, lede = "Sales: SLA breaches per rep", "Whose first-touch deadlines were missed, and whether it is getting better."
    if data.streams.lacks("activities"):  # with no touches every deadline reads as breached
        return section("breaches", title, period_text(b.start, b.end), lede, absent_stream_note("activities"))
    if not b.reps and not b.weekly:
        return section("breaches", title, period_text(b.start, b.end), lede,
                       empty(f"No rep had a handoff, a deadline or a breach in the last {BREACH_WEEKS} weeks."))
    rows = [[text_cell(data.owner_label(str(rep["owner_id"])))] + [mc(f"sales.rep.{rep['owner_id']}.{col}", rep[col], fmt) for _, col, fmt in BREACH_COLUMNS]
            for rep in b.reps]
    foot = [[text_cell("All reps")] + [mc(f"sales.rep.total.{col}", b.total[col], fmt) for _, col, fmt in BREACH_COLUMNS]]
    table = render_table(
        "First-touch SLA per rep", f"Deadlines falling in {period_text(b.start, b.end)}: met or breached (late or still untouched). "
        "Open breaches now: past due and never touched, whenever they were due.",
        [("Rep", False)] + [(name, True) for name, _, _ in BREACH_COLUMNS], rows, foot,
    )
    owners = list(b.weekly)
    columns = [short_day(w) for w in b.week_starts]
    chart = svg.heatmap(
        "chart-breaches", title=f"SLA breaches per rep per week, last {BREACH_WEEKS} weeks",
        description="; ".join(f"{o}: {sum(v)} breaches" for o, v in b.weekly.items()),
        rows=[data.owner_label(o) for o in owners], columns=columns, values=[b.weekly[o] for o in owners], x_label="Week starting",
        color=BREACH_RGB, width=FULL,
    )
    weekly_rows = [[text_cell(data.owner_label(o))] + [mc(f"sales.breaches.{o}.{w.isoformat()}", v, integer) for w, v in zip(b.week_starts, b.weekly[o])]
                   for o in owners]
    weekly_table = render_table("Breaches per rep and week", "Weeks of 7 days ending on the report day.",
                                [("Rep", False)] + [(c, True) for c in columns], weekly_rows)
    body = (table + figure("Over time", f"Breached first-touch deadlines per week ({short_day(b.week_starts[0])} – "
                                        f"{short_day(b.end)}); darker is more.", chart)
            + details("Weekly counts behind the chart", weekly_table))
    return section("breaches", title, period_text(b.start, b.end), lede, body)


# ---------------------------------------------------------------------------------------------
# Funnel


FUNNEL_STAGES = (("New leads", "new_leads", "visitor_to_lead_rate", "of new visitors"),
                 ("MQLs", "mqls", "lead_to_mql_rate", "of new leads"),
                 ("SQLs", "sqls", "lead_to_sql_rate", "of new leads"),
                 ("Opportunities", "opportunities", "lead_to_opportunity_rate", "of new leads"),
                 ("Won deals", "won_deals", "lead_to_customer_rate", "of new leads became customers"))


def funnel_section(data: ReportData) -> str:
    f: Funnel = data.funnel
    title, lede = "Funnel by channel", "Where leads come from and how far each channel's leads get."
    # without web analytics, sessions and visitors are not counted and a lead's channel is its contact's source
    note = absent_stream_note("web_sessions") if data.streams.lacks("web_sessions") else ""
    if not f.channels:
        return section("funnel", title, period_text(f.start, f.end), lede, note + empty("No funnel activity in the period."))
    names = [label({}, c["channel"]) for c in f.channels]
    shown = [s for s in FUNNEL_STAGES if s[1] != "opportunities"]
    chart = svg.grouped_bar_chart(
        "chart-funnel", title="Funnel by first-touch channel",
        description="; ".join(f"{n}: " + ", ".join(f"{integer(c[col])} {stage.lower()}" for stage, col, _, _ in shown)
                              for n, c in zip(names, f.channels)),
        categories=names,
        series=[svg.BarSeries(stage, [number(c[col]) for c in f.channels], color) for (stage, col, _, _), color in zip(shown, STAGE_COLORS)],
        x_label="Count in the period", width=FULL,
    )

    def row(c: Row, key: str, name: str) -> list[Cell]:
        cells = [text_cell(name), mc(f"funnel.{key}.sessions", c["sessions"], integer),
                 mc(f"funnel.{key}.unique_visitors", c["unique_visitors"], integer)]
        for _, col, rate, of in FUNNEL_STAGES:
            html = (metric_span(f"funnel.{key}.{col}", c[col], integer(c[col]))
                    + f'<br><small class="note">{metric_span(f"funnel.{key}.{rate}", c[rate], percent(c[rate]))} {escape(of)}</small>')
            cells.append(Cell(html=html))
        cells.append(mc(f"funnel.{key}.won_amount", c["won_amount"], lambda v: money(v, f.currency)))
        return cells

    table = render_table(
        "Funnel counts and conversion by channel",
        "Counts: what happened in the period (sums of the daily funnel; visitors are distinct per day, summed over days). "
        f"Rates: cohorts, of the visitors first seen and the leads created in the period, the share that reached the stage "
        f"so far, within {f.cohort_window_days or 'the window of'} days; a share between 0 and 1 that still grows while "
        "the cohorts mature.",
        [("Channel", False), ("Sessions", True), ("Visitors", True)] + [(s[0], True) for s in FUNNEL_STAGES] + [("Won amount", True)],
        [row(c, str(c["channel"]), n) for c, n in zip(f.channels, names)], [row(f.total, "total", "All channels")],
    )
    body = note + figure("Leads to wins", "New leads, MQLs, SQLs and won deals per channel (opportunities are in the table).", chart) + table
    if f.won_deals_other_currency:
        body += (f'<p class="note">{metric_span("funnel.total.won_deals_other_currency", f.won_deals_other_currency, integer(f.won_deals_other_currency))} '
                 f"won deals in other currencies count in won deals but not in the won amount ({escape(f.currency or '')}).</p>")
    return section("funnel", title, period_text(f.start, f.end), lede, body)


# ---------------------------------------------------------------------------------------------
# ICP evidence


ICP_COLUMNS = (("Leads", "leads", integer), ("Wins", "wins", integer), ("Win rate", "win_rate", percent),
               ("95% low", "win_rate_lower_95", percent), ("95% high", "win_rate_upper_95", percent),
               ("Lift", "lift", lambda v: decimal(v, 2)), ("Rule points", "rule_points", integer))


def icp_section(data: ReportData) -> str:
    if not data.icp:
        return section("icp", "ICP evidence: which profiles win", "", "Win rates per profile value, per ICP version.",
                       empty("No ICP evidence yet: no handoff has been judged by an ICP version."))
    return section("icp", "ICP evidence: which profiles win", "all handoffs to date",
                   "Win rate per profile value with its 95% Wilson interval, against the overall rate. Values the ICP rewards "
                   "with points are in blue: they should sit right of the line.",
                   "".join(_icp_version(v, i) for i, v in enumerate(data.icp)))


def _icp_version(v: IcpVersion, index: int) -> str:
    def key(row: Row) -> str:
        return f"icp.{v.icp_version}.{row['attribute']}.{row['attribute_value']}"

    def interval_row(row: Row, text: str) -> svg.IntervalRow:
        points = number(row.get("rule_points"))
        note = f"{integer(row['wins'])}/{integer(row['leads'])}" + (f" · +{points:.0f} pts" if points else "")
        return svg.IntervalRow(text, number(row["win_rate"]), number(row["win_rate_lower_95"]), number(row["win_rate_upper_95"]),
                               note=note, emphasis=bool(points), expected=number(row.get("expected_win_probability")))

    overall = svg.Reference(v.overall_win_rate, f"overall {percent(v.overall_win_rate, 1)}", "#1f2933") \
        if v.overall_win_rate is not None else None
    order = [a for a in ATTRIBUTE_ORDER if a in v.attributes] + sorted(a for a in v.attributes if a not in ATTRIBUTE_ORDER)
    groups = [svg.IntervalGroup(label(ATTRIBUTE_NAMES, a), [interval_row(r, str(r["attribute_value"])) for r in v.attributes[a]])
              for a in order]
    halves = _split(groups)
    # one axis for both columns, reaching the largest win rate and 80% of the intervals, so that a
    # value seen a few times does not squeeze the rest (a longer whisker ends in an arrowhead)
    shown = [r for a in order for r in v.attributes[a]]
    highs = sorted(h for h in (number(r["win_rate_upper_95"]) for r in shown) if h is not None)
    x_max = max([e for e in (number(r["win_rate"]) for r in shown) if e is not None]
                + ([highs[int(0.8 * (len(highs) - 1))]] if highs else []) + [v.overall_win_rate or 0.0, 0.01])
    slug = f"{index}"
    charts = "".join(
        figure("Win rate by profile value" if i == 0 else "\u00a0", "Dot: win rate; whiskers: 95% interval; right: wins/leads.",
               svg.interval_plot(f"chart-icp-{slug}-{i}", title=f"Win rate by profile value, {v.icp_version} ({i + 1} of {len(halves)})",
                                 description="; ".join(f"{g.label} {r.label}: {percent(r.estimate, 1)}" for g in half for r in g.rows),
                                 groups=half, reference=overall, x_label="Win rate", x_format=axis_percent,
                                 color=GREY, emphasis_color=BLUE, x_max=x_max, width=HALF))
        for i, half in enumerate(halves)
    )
    tier_rows = [interval_row(t, f"Tier {t['attribute_value']}") for t in v.tiers]
    tier_chart = svg.interval_plot(
        f"chart-icp-{slug}-tiers", title=f"Observed win rate per tier against the expected, {v.icp_version}",
        description="; ".join(f"{r.label}: observed {percent(r.estimate, 1)}, expected {percent(r.expected, 1)}" for r in tier_rows),
        groups=[svg.IntervalGroup("ICP tier", tier_rows)], reference=overall, x_label="Win rate",
        x_format=axis_percent, color=BLUE, emphasis_color=BLUE, width=HALF,
    )
    tier_table = render_table(
        "Tiers: observed against expected", "Expected: the win probability the ICP version assumed for the tier.",
        [("Tier", False), ("Leads", True), ("Wins", True), ("Win rate", True), ("95% interval", True), ("Expected", True), ("Lift", True)],
        [[text_cell(f"Tier {t['attribute_value']}"), mc(f"{key(t)}.leads", t["leads"], integer), mc(f"{key(t)}.wins", t["wins"], integer),
          mc(f"{key(t)}.win_rate", t["win_rate"], lambda x: percent(x, 1)),
          Cell(html=metric_span(f"{key(t)}.win_rate_lower_95", t["win_rate_lower_95"], percent(t["win_rate_lower_95"], 1)) + " – "
               + metric_span(f"{key(t)}.win_rate_upper_95", t["win_rate_upper_95"], percent(t["win_rate_upper_95"], 1))),
          mc(f"{key(t)}.expected_win_probability", t["expected_win_probability"], lambda x: percent(x, 1)),
          mc(f"{key(t)}.lift", t["lift"], lambda x: decimal(x, 2))] for t in v.tiers],
    )
    value_rows = [[text_cell(f"{label(ATTRIBUTE_NAMES, a)}: {r['attribute_value']}")] + [mc(f"{key(r)}.{col}", r[col], fmt) for _, col, fmt in ICP_COLUMNS]
                  for a in order for r in v.attributes[a]]
    value_table = render_table(f"Every profile value, {v.icp_version}", "", [("Value", False)] + [(n, True) for n, _, _ in ICP_COLUMNS], value_rows)
    state = badge("in force", "good") if v.in_force else badge("earlier version", "neutral")
    heading = (f"<h3>ICP version {escape(v.icp_version)} {state} <span class=\"note\">"
               f"{metric_span(f'icp.{v.icp_version}.population', v.population, integer(v.population))} leads, "
               f"{metric_span(f'icp.{v.icp_version}.wins', v.wins, integer(v.wins))} won · overall win rate "
               f"{metric_span(f'icp.{v.icp_version}.overall_win_rate', v.overall_win_rate, percent(v.overall_win_rate, 1))}</span></h3>")
    return (heading + f'<div class="grid-2">{charts}</div>'
            + '<div class="grid-2">' + figure("Did the tiers predict wins?", "Dot: observed with 95% interval; diamond: expected.", tier_chart)
            + f"<div>{tier_table}</div></div>" + details(f"All profile values of {v.icp_version}", value_table))


def _split(groups: list[svg.IntervalGroup]) -> list[list[svg.IntervalGroup]]:
    """Two columns of roughly equal height, groups kept whole and in order."""
    if len(groups) < 2:
        return [groups]
    sizes = [len(g.rows) + 1.3 for g in groups]
    total, running, cut = sum(sizes), 0.0, len(groups) - 1
    for i, size in enumerate(sizes):
        if running + size / 2 >= total / 2:
            cut = max(i, 1)
            break
        running += size
    return [groups[:cut], groups[cut:]]


# ---------------------------------------------------------------------------------------------
# Does speed win? (follow-up evidence)


FOLLOWUP_DIMENSIONS = {
    "response_business": "First response, business time",
    "response_wall_clock": "First response, wall-clock time",
    "attempts": "Attempts in the attempts window",
    "first_touch_channel": "Channel of the first touch",
    "cadence": "Attempts cadence",
    "handoff_hour": "Hour of the handoff",
    "handoff_weekday": "Weekday of the handoff",
}
# how a finding names the handoffs of a value
FOLLOWUP_PHRASES = {
    "response_business": {"within_5_min": "touched within 5 business minutes", "within_1_hour": "touched within 1 business hour",
                          "within_4_hours": "touched within 4 business hours",
                          "within_1_business_day": "touched within 1 business day",
                          "later": "touched after more than 1 business day", "never": "never touched"},
    "response_wall_clock": {"within_5_min": "touched within 5 minutes on the clock", "within_1_hour": "touched within 1 hour on the clock",
                            "within_4_hours": "touched within 4 hours on the clock", "within_1_day": "touched within 24 hours on the clock",
                            "later": "touched after more than 24 hours on the clock", "never": "never touched"},
    "first_touch_channel": {"call": "first touched by a call", "email": "first touched by an e-mail",
                            "meeting": "first touched in a meeting", "none": "never touched"},
    "cadence": {"met": "whose attempts cadence was met", "reached_early": "reached before the last required attempt",
                "missed": "whose attempts cadence was missed", "in_window": "still in their attempts window"},
}
FOLLOWUP_BUCKET_NAMES = {"within_5_min": "≤ 5 min", "within_1_hour": "≤ 1 h", "within_4_hours": "≤ 4 h",
                         "within_1_business_day": "≤ 1 business day", "within_1_day": "≤ 24 h", "later": "Later",
                         "never": "Never", "5_or_more": "5 or more", "none": "No touch", "email": "E-mail",
                         "reached_early": "Reached early"}
FOLLOWUP_VERBS = {"sql": "became SQLs", "opportunity": "became opportunities", "win": "won"}
FOLLOWUP_NONE = {"sql": "became an SQL", "opportunity": "became an opportunity", "win": "won"}
FOLLOWUP_OUTCOME_NAMES = {"sql": "SQL", "opportunity": "Opportunity", "win": "Win"}


def _stratum_name(tier: str) -> str:
    return {"all": "All tiers", "unscored": "Not scored"}.get(tier, f"Tier {tier}")


def _followup_value_name(dimension: str, value: str) -> str:
    if dimension == "handoff_hour":
        return f"{value}:00–{int(value) + 1:02d}:00"
    return label(FOLLOWUP_BUCKET_NAMES, value)


def _followup_phrase(dimension: str, value: str) -> str:
    if dimension in FOLLOWUP_PHRASES:
        return FOLLOWUP_PHRASES[dimension].get(value, value.replace("_", " "))
    if dimension == "attempts":
        count = "5 or more" if value == "5_or_more" else value
        return f"with {count} attempt{'' if value == '1' else 's'}"
    if dimension == "handoff_hour":
        return f"handed off between {_followup_value_name(dimension, value).replace('–', ' and ')}"
    return f"handed off on a {value.capitalize()}"


def _times(value: object) -> str:
    num = number(value)
    return DASH if num is None else f"{num:.1f}×"


def followup_findings(evidence: FollowupEvidence) -> list[tuple[str, Row, str]]:
    """The findings in plain words: each value whose lift's 95% interval excludes 1 (the mart's
    ``is_<outcome>_lift_supported``), as (outcome, row, sentence), strongest evidence first."""
    found = []
    for row in evidence.rows:
        if row["dimension"] == "overall":
            continue
        for outcome in FOLLOWUP_OUTCOMES:
            if not row[f"is_{outcome}_lift_supported"]:
                continue
            tier = str(row["icp_tier"])
            subject = "Leads" if tier == "all" else ("Leads not scored" if tier == "unscored" else f"Tier {tier} leads")
            phrase = _followup_phrase(str(row["dimension"]), str(row["dimension_value"]))
            handoffs = f"{integer(row['handoffs'])} handoff{'' if number(row['handoffs']) == 1 else 's'}"
            if number(row[f"{outcome}_lift"]) == 0:
                sentence = (f"{subject} {phrase}: none {FOLLOWUP_NONE[outcome]} "
                            f"(95% CI up to {_times(row[f'{outcome}_lift_upper_95'])} as often as their tier overall; "
                            f"{handoffs})")
            else:
                sentence = (f"{subject} {phrase} {FOLLOWUP_VERBS[outcome]} {_times(row[f'{outcome}_lift'])} as often "
                            f"(95% CI {decimal(row[f'{outcome}_lift_lower_95'], 1)}–{_times(row[f'{outcome}_lift_upper_95'])}; "
                            f"{handoffs})")
            found.append((outcome, row, sentence))
    # the intervals furthest from 1 first: the lower bound above it, or the upper bound below it
    def strength(item: tuple[str, Row, str]) -> float:
        outcome, row, _ = item
        low, high = number(row[f"{outcome}_lift_lower_95"]) or 0.0, number(row[f"{outcome}_lift_upper_95"]) or 0.0
        return -(low - 1 if low > 1 else 1 - high)
    return sorted(found, key=strength)


def followup_section(data: ReportData) -> str:
    f: FollowupEvidence = data.followup
    title = "Does speed win?"
    if data.streams.lacks("activities"):
        return section("followup", title, "", "SQL, opportunity and win rates by how each handoff was followed up.",
                       absent_stream_note("activities"))
    if f.sla_version is None:
        return section("followup", title, "", "SQL, opportunity and win rates by how each handoff was followed up.",
                       empty_metric("followup.cohorts", 0,
                                    "No handoff cohort's outcome window has closed yet: a month's handoffs count once the "
                                    "agreement's outcome window has passed after the month's last day."))
    months = (f"{f.months[0]:%b %Y}" + (f" – {f.months[-1]:%b %Y}" if len(f.months) > 1 else "")) if f.months else ""
    lede = (f"Handoffs of the months whose outcome window has closed (SLA version {f.sla_version}, {months}), pooled: how "
            f"often those followed up each way became SQLs, opportunities and wins within {f.outcome_window_days} days "
            "of the handoff, each rate with its 95% interval. Within each ICP tier too, so that fast follow-up of "
            "well-fitting leads is not mistaken for the effect of speed.")
    findings = followup_findings(f)
    count = metric_span("followup.cohorts", len(f.months), integer(len(f.months)))
    if findings:
        items = "".join(
            f'<li {metric_attrs("followup.finding." + str(row["icp_tier"]) + "." + str(row["dimension"]) + "." + str(row["dimension_value"]) + "." + outcome, row[outcome + "_lift"])}>'
            f"{escape(sentence)}</li>" for outcome, row, sentence in findings[:LIST_VISIBLE])
        body = (f'<h3>Findings</h3><p class="note">Stated only where the 95% interval of the lift excludes 1 (no lift); '
                f"{count} closed month{'s' if len(f.months) != 1 else ''} pooled.</p><ul class=\"findings\">{items}</ul>")
        if len(findings) > LIST_VISIBLE:
            body += details(f"Show the other {len(findings) - LIST_VISIBLE}", '<ul class="findings">' + "".join(
                f'<li {metric_attrs("followup.finding." + str(row["icp_tier"]) + "." + str(row["dimension"]) + "." + str(row["dimension_value"]) + "." + outcome, row[outcome + "_lift"])}>'
                f"{escape(sentence)}</li>" for outcome, row, sentence in findings[LIST_VISIBLE:]) + "</ul>")
    else:
        body = (f'<p class="note">{count} closed month{"s" if len(f.months) != 1 else ""} pooled. No finding yet: no '
                "lift's 95% interval excludes 1 (no lift), so no way of following up stands out from its tier's "
                "overall rate with this many handoffs.</p>")
    # the chart: win rate by business response time, within each stratum
    groups = []
    for tier in f.strata:
        rows = f.stratum(tier, "response_business")
        overall = f.stratum(tier, "overall")
        groups.append(svg.IntervalGroup(_stratum_name(tier), [
            svg.IntervalRow(_followup_value_name("response_business", str(r["dimension_value"])), number(r["win_rate"]),
                            number(r["win_rate_lower_95"]), number(r["win_rate_upper_95"]),
                            note=f"{integer(r['wins'])}/{integer(r['handoffs'])}", emphasis=r["dimension"] == "overall")
            for r in [*overall, *rows]]))
    chart = svg.interval_plot(
        "chart-followup", title="Win rate by first response in business time, within ICP tier",
        description="; ".join(f"{g.label} {r.label}: {percent(r.estimate, 1)}" for g in groups for r in g.rows),
        groups=groups, reference=None, x_label="Win rate", x_format=axis_percent, color=GREY, emphasis_color=BLUE,
        width=FULL,
    )
    body += figure("Win rate by first response, within tier",
                   "Dot: win rate; whiskers: 95% interval; blue: the tier as a whole; right: wins/handoffs.", chart)

    def rate_cell(key: str, row: Row, outcome: str) -> Cell:
        low, high = row[f"{outcome}_rate_lower_95"], row[f"{outcome}_rate_upper_95"]
        html = (metric_span(f"{key}.{outcome}_rate", row[f"{outcome}_rate"], percent(row[f"{outcome}_rate"], 1))
                + f'<br><small class="note">{metric_span(f"{key}.{outcome}_rate_lower_95", low, percent(low, 1))}–'
                f'{metric_span(f"{key}.{outcome}_rate_upper_95", high, percent(high, 1))}</small>')
        return Cell(html=html)

    headers = [("Value", False), ("Handoffs", True)] + [(f"{FOLLOWUP_OUTCOME_NAMES[o]} rate (95% CI)", True) for o in FOLLOWUP_OUTCOMES] \
        + [("Win lift", True)]

    def table(tier: str, dimension: str, caption: str, with_overall: bool = True) -> str:
        rows = []
        for r in [*(f.stratum(tier, "overall") if with_overall else []), *f.stratum(tier, dimension)]:
            key = f"followup.{tier}.{r['dimension']}.{r['dimension_value']}"
            name = "All handoffs" if r["dimension"] == "overall" else _followup_value_name(dimension, str(r["dimension_value"]))
            rows.append([text_cell(name), mc(f"{key}.handoffs", r["handoffs"], integer)]
                        + [rate_cell(key, r, o) for o in FOLLOWUP_OUTCOMES]
                        + [mc(f"{key}.win_lift", r["win_lift"], lambda v: decimal(v, 2))])
        return render_table(caption, "", headers, rows)

    body += table("all", "response_business", "All tiers: by first response in business time")
    body += "".join(details(f"{_stratum_name(tier)}: by first response in business time",
                            table(tier, "response_business", f"{_stratum_name(tier)}: by first response in business time"))
                    for tier in f.strata if tier != "all")
    body += "".join(details(f"All tiers: {name.lower()}", table("all", dimension, f"All tiers: {name.lower()}", False))
                    for dimension, name in FOLLOWUP_DIMENSIONS.items() if dimension != "response_business")
    return section("followup", title, f"closed cohorts, {months}", lede, body)


# ---------------------------------------------------------------------------------------------
# Content that converts (fct_content_conversion)


CONTENT_KINDS = {"landing_page": "Landing page", "form": "Form", "campaign": "Campaign"}


def _content_rate(key: str, row: Row, rate: str) -> str:
    """A rate and its 95% interval as metric spans: ``6.7%`` over ``3.4%–12.6%``."""
    low, high = row[f"{rate}_rate_lower_95"], row[f"{rate}_rate_upper_95"]
    return (metric_span(f"{key}.{rate}_rate", row[f"{rate}_rate"], percent(row[f"{rate}_rate"], 1))
            + f'<br><small class="note">{metric_span(f"{key}.{rate}_rate_lower_95", low, percent(low, 1))}–'
            f'{metric_span(f"{key}.{rate}_rate_upper_95", high, percent(high, 1))}</small>')


def _content_sentence(row: Row, window: int | None, best: bool) -> str:
    """One piece in plain words: how many of the people it reached became MQLs, and how sure that is."""
    people, mqls = number(row["engaged_people"]) or 0, number(row["mqls"]) or 0
    kind = label(CONTENT_KINDS, row["content_kind"]).lower()
    opening = "Converts best" if best else "Converts least"
    return (f"{opening}: the {kind} {row['content_name']}. Of the {integer(people)} "
            f"{'person' if people == 1 else 'people'} who first engaged with it, {integer(mqls)} became "
            f"{'an MQL' if mqls == 1 else 'MQLs'} within {window} days: {percent(row['mql_rate'], 1)} "
            f"(95% CI {percent(row['mql_rate_lower_95'], 1)}–{percent(row['mql_rate_upper_95'], 1)}); "
            f"{percent(row['share_of_leads_touched'], 1)} of the new leads had seen it before they signed up.")


def _content_table(caption: str, note: str, prefix: str, rows: list[Row]) -> str:
    headers = [("Piece", False), ("Kind", False), ("People", True), ("Became leads (of prospects)", True),
               ("MQL rate, any touch", True), ("MQL rate, first touch", True), ("Win rate", True),
               ("New leads touched", True)]
    body = []
    for r in rows:
        key = f"content.{prefix}.{r['content_kind']}.{r['content_id']}"
        body.append([
            text_cell(str(r["content_name"])), text_cell(label(CONTENT_KINDS, r["content_kind"])),
            mc(f"{key}.engaged_people", r["engaged_people"], integer),
            Cell(html=metric_span(f"{key}.leads_created", r["leads_created"], integer(r["leads_created"]))
                 + " of " + metric_span(f"{key}.prospects", r["prospects"], integer(r["prospects"]))
                 + "<br>" + _content_rate(key, r, "lead")),
            Cell(html=metric_span(f"{key}.mqls", r["mqls"], integer(r["mqls"])) + " · " + _content_rate(key, r, "mql")),
            Cell(html=metric_span(f"{key}.first_touch_mqls", r["first_touch_mqls"], integer(r["first_touch_mqls"]))
                 + " of " + metric_span(f"{key}.first_touch_people", r["first_touch_people"], integer(r["first_touch_people"]))
                 + "<br>" + _content_rate(key, r, "first_touch_mql")),
            Cell(html=metric_span(f"{key}.wins", r["wins"], integer(r["wins"])) + " · " + _content_rate(key, r, "win")),
            mc(f"{key}.share_of_leads_touched", r["share_of_leads_touched"], lambda v: percent(v, 1)),
        ])
    return render_table(caption, note, headers, body)


def content_section(data: ReportData) -> str:
    c: ContentConversion = data.content
    title = "Content that converts"
    if data.streams.lacks(*CONTENT_STREAMS):
        return section("content", title, "", "MQL rates of the people each landing page, form and campaign reached.",
                       absent_stream_note("content"))
    # forms and campaigns are still measured without web analytics; landing pages are not
    note = absent_stream_note("web_sessions") if data.streams.lacks("web_sessions") else ""
    if c.window_days is None:
        return section("content", title, "", "MQL rates of the people each landing page, form and campaign reached.",
                       note + empty_metric("content.cohorts", 0,
                                    "No content cohort's window has closed yet: the people who first engaged with a piece "
                                    "in a month count once the content window has passed after the month's last day."))
    months = (f"{c.months[0]:%b %Y}" + (f" – {c.months[-1]:%b %Y}" if len(c.months) > 1 else "")) if c.months else ""
    count = metric_span("content.cohorts", len(c.months), integer(len(c.months)))
    lede = (f"For each landing page, form and campaign: of the people who first engaged with it ({months}, the months "
            f"whose {c.window_days}-day window has closed, pooled), the share that became leads, MQLs and customers "
            f"within {c.window_days} days, each with its 95% interval. Any touch counts everyone the piece reached; first "
            "touch only those it reached first among its kind (their first landing page, form or campaign).")
    sentences = [_content_sentence(c.top[0], c.window_days, True)]
    if c.bottom:
        sentences.append(_content_sentence(c.bottom[0], c.window_days, False))
    body = note + (f'<p class="note">{count} closed month{"s" if len(c.months) != 1 else ""} pooled; ranked by how surely the '
            "MQL rate is high (the low end of its interval) or low (the high end), so a piece seen by a handful of "
            f'people does not top the list by luck.</p><ul class="findings">'
            + "".join(f"<li>{escape(text)}</li>" for text in sentences) + "</ul>")
    groups = [svg.IntervalGroup(name, [
        svg.IntervalRow(str(r["content_name"]), number(r["mql_rate"]), number(r["mql_rate_lower_95"]),
                        number(r["mql_rate_upper_95"]), note=f"{integer(r['mqls'])}/{integer(r['engaged_people'])}",
                        emphasis=best)
        for r in rows]) for name, rows, best in (("Converts best", c.top, True), ("Converts least", c.bottom, False)) if rows]
    chart = svg.interval_plot(
        "chart-content", title=f"MQL rate within {c.window_days} days of the first engagement, best and least converting pieces",
        description="; ".join(f"{g.label} {r.label}: {percent(r.estimate, 1)}" for g in groups for r in g.rows),
        groups=groups, reference=None, x_label="MQL rate", x_format=axis_percent, color=GREY, emphasis_color=BLUE,
        width=FULL,
    )
    body += figure("MQL rate by content piece", "Dot: MQL rate (any touch); whiskers: 95% interval; right: MQLs/people.", chart)
    body += _content_table("Converts best", "The five pieces whose MQL rate is surely highest.", "top", c.top)
    if c.bottom:
        body += _content_table("Converts least", "The five pieces whose MQL rate is surely lowest.", "bottom", c.bottom)
    body += details(f"Every piece ({len(c.pieces)})", _content_table(
        "Every piece", "New leads touched: of the leads created in the months, the share that engaged with the piece first.",
        "piece", c.pieces))
    return section("content", title, f"closed cohorts, {months}", lede, body)


# ---------------------------------------------------------------------------------------------
# Restated days


def restated_section(data: ReportData) -> str:
    r: Restated = data.restated
    title = "Restated since first reported"
    lede = ("Every daily number describes its day with everything known now, so data that arrives late changes past "
            "days. These past days' headline numbers differ from what their own morning report said; the first "
            "report of every day stays in the *_as_reported tables.")
    if not r.lines:
        return section("restated", title, period_text(r.since, data.run_date), lede,
                       empty_metric("restated.rows", 0, "No past day changed after its first report in this period."))
    items = "".join(f"<li>{escape(line)}</li>" for line in r.lines[:LIST_VISIBLE])
    body = (f'<p class="note">{metric_span("restated.rows", r.rows, integer(r.rows))} '
            f"restated row{'s' if r.rows != 1 else ''} (day, table and rep, segment or channel), newest first.</p>"
            f'<ul class="restated">{items}</ul>')
    if len(r.lines) > LIST_VISIBLE:
        body += details(f"Show the other {len(r.lines) - LIST_VISIBLE}",
                        '<ul class="restated">' + "".join(f"<li>{escape(x)}</li>" for x in r.lines[LIST_VISIBLE:]) + "</ul>")
    return section("restated", title, period_text(r.since, data.run_date), lede, body)


# ---------------------------------------------------------------------------------------------
# The night's quarantine

VERDICT_NAMES = {"ok": ("within bounds", "good"), "warning": ("warning", "warn"), "critical": ("critical", "bad"),
                 "not_judged": ("too few rows to judge", "neutral"), "not_checked": ("not checked", "neutral")}


def quarantine_line(q: Quarantine) -> str:
    """One sentence on the night's quarantine (the summary and the section share it)."""
    if not q.available:
        return "The published copy does not say what the night set aside (published before the quarantine table existed)."
    if not q.streams:
        return "The night extracted no rows from the sources, so none went to quarantine."
    bad = [r for r in q.streams if r["rows_quarantined"]]
    flagged = [r for r in q.streams if r["verdict"] in ("warning", "critical")]
    text = (f"{q.rows_quarantined:,} of {q.rows_read:,} rows read went to quarantine"
            + (f", in {len(bad)} stream{'s' if len(bad) != 1 else ''}" if bad else ""))
    if flagged:
        text += "; beyond the agreed share: " + ", ".join(f"{r['stream']} ({r['verdict']})" for r in flagged)
    return text + "."


def _quarantine_card_note(q: Quarantine) -> str:
    if not q.available:
        return "not in this published copy"
    flagged = [str(r["stream"]) for r in q.streams if r["verdict"] in ("warning", "critical")]
    return (f"of {q.rows_read:,} rows read tonight"
            + (f"; beyond the agreed share: {', '.join(flagged)}" if flagged else "; every stream within bounds"))


def quarantine_section(data: ReportData) -> str:
    q: Quarantine = data.quarantine
    title = "Data set aside tonight (quarantine)"
    lede = ("Rows the night's extraction could not load (an unparseable time, a missing key, an invalid e-mail) are kept "
            "in quarantine, not in the numbers above. A stream with more than a few set aside is a data-quality warning; "
            "beyond the critical share the night would not have been published.")
    day = short_day(data.run_date)
    line = f'<p class="note" {metric_attrs("quarantine.total.rows_quarantined", q.rows_quarantined if q.available else None)}>{escape(quarantine_line(q))}</p>'
    if not q.streams:
        return section("quarantine", title, day, lede, line)
    headers = [("Stream", False), ("Rows read", True), ("Quarantined", True), ("Share", True), ("Verdict", False),
               ("Commonest reasons", False)]
    rows = []
    for r in q.streams:
        key = f"quarantine.{r['stream']}"
        name, tone = VERDICT_NAMES.get(str(r["verdict"]), (str(r["verdict"]), "neutral"))
        rows.append([text_cell(str(r["stream"])), mc(f"{key}.rows_read", r["rows_read"], integer),
                     mc(f"{key}.rows_quarantined", r["rows_quarantined"], integer),
                     mc(f"{key}.quarantined_share", r["quarantined_share"], percent),
                     Cell(html=f'<span {metric_attrs(key + ".verdict", r["verdict"])}>{badge(name, tone)}</span>', numeric=False),
                     Cell(str(r["top_reasons"] or DASH), numeric=False, css="text-wrap")])
    table = render_table("Quarantine per stream", "Share: of the rows read (streams with fewer than 20 rows are not "
                         "judged). `lead-sla quarantine --stream <stream>` lists the rows with their source lines.",
                         headers, rows)
    return section("quarantine", title, day, lede, line + table)


# ---------------------------------------------------------------------------------------------
# What to ask next: the profile attributes MQLs lack


def profile_gaps_section(data: ReportData) -> str:
    """The ICP attributes most often missing among MQLs, and for how many each is the next question."""
    gaps: ProfileGaps | None = data.profile_gaps
    title = "What to ask next: the profile MQLs lack"
    lede = ("Progressive profiling asks each lead a little more on every form. An unknown answer scores no fit points, so "
            "a lead may be worth more than its tier says. For each open lead the next form asks the missing fact most "
            "likely to change its tier, judged by the answers similar leads (same acquisition channel) gave; the list per "
            "lead goes to the forms tool each night (next_questions.csv and .json beside the CRM tasks).")
    day = short_day(data.run_date)
    if gaps is None or not gaps.available:
        return section("next-question", title, day, lede,
                       empty("Not in this published copy (published before the next-question marts existed)."))
    if not gaps.mqls:
        return section("next-question", title, day, lede, empty("No lead is at the MQL stage now."))
    line = (f'<p class="note">Of <span {metric_attrs("profile_gaps.mqls", gaps.mqls)}>{gaps.mqls:,}</span> MQLs now, '
            + escape(_gaps_phrase(gaps)) + "</p>")
    headers = [("Attribute", False), ("Form field", False), ("MQLs missing it", True), ("Share of MQLs", True),
               ("Asked next of", True)]
    rows = []
    for r in gaps.attributes:
        key = f"profile_gaps.{r['attribute']}"
        rows.append([text_cell(label(ATTRIBUTE_NAMES, r["attribute"])), text_cell(str(r["form_field"])),
                     mc(f"{key}.missing_mqls", r["missing_mqls"], integer),
                     mc(f"{key}.missing_share", r["missing_share"], percent),
                     mc(f"{key}.next_question_mqls", r["next_question_mqls"], integer)])
    table = render_table("Attributes missing among MQLs", "Most often missing first. Asked next of: the MQLs whose "
                         "next question is this attribute (one per lead).", headers, rows)
    return section("next-question", title, day, lede, line + table)


def _gaps_phrase(gaps: ProfileGaps) -> str:
    missing = [r for r in gaps.attributes if r["missing_mqls"]]
    if not missing:
        return "every one has a full profile."
    top = missing[:2]
    return "most often missing: " + " and ".join(
        f"{label(ATTRIBUTE_NAMES, r['attribute']).lower()} ({percent(r['missing_share'])})" for r in top) + "."


# ---------------------------------------------------------------------------------------------
# The manager's view


TEAM_NAMES = {"sdr": "SDR", "ae": "AE", "marketing": "Marketing", "unknown": "No team"}
AGE_NAMES = {"fresh": "Fresh (missed < 1 business day ago)", "one_to_five_business_days": "1–5 business days",
             "older": "Older than 5 business days"}
ACTION_NAMES = {"recycle_to_marketing": "Recycle to marketing", "escalate": "Escalate"}
CADENCE_NAMES = {"met": "Met", "reached_early": "Reached early", "missed": "Missed", "in_window": "Still in the window"}


def _attainment_html(data: ReportData, zone: ZoneInfo | None) -> str:
    """On time per team and rep, week by week; open breaches by age and the leads past the untouched
    point; routing breaches, unassigned handoffs and the attempts cadence of the period."""
    a: Attainment = data.attainment
    weeks = a.week_starts

    def share_cell(key: str, row: Row | None) -> Cell:
        if row is None:
            return Cell(DASH)
        due = row["handoffs_due"]
        html = (metric_span(f"{key}.on_time_share", row["on_time_share"], percent(row["on_time_share"]))
                + f'<br><small class="note">of {metric_span(f"{key}.handoffs_due", due, integer(due))}</small>')
        return Cell(html=html)

    headers = [("Team", False)] + [(f"Week of {short_day(w)}", True) for w in weeks] + [(f"{len(weeks)} weeks", True)]
    team_rows = [[text_cell(label(TEAM_NAMES, t["team"]))]
                 + [share_cell(f"attainment.team.{t['team']}.{w.isoformat()}", t["weeks"][w]) for w in weeks]
                 + [share_cell(f"attainment.team.{t['team']}.all", t["total"])] for t in a.teams]
    note = ("On time: of the first-touch deadlines that fell in the week (rep view), the share met; a team's share adds up "
            f"its reps' deadlines. The week of {short_day(data.run_date)} is still running.")
    if a.teams:
        body = render_table("On time per team, week by week", note, headers, team_rows)
        rep_headers = [("Rep", False)] + headers[1:]
        rep_rows = [[text_cell(f"{r['owner_name'] or r['owner_id']} ({label(TEAM_NAMES, r['team'])})")]
                    + [share_cell(f"attainment.rep.{r['owner_id']}.{w.isoformat()}", r["weeks"].get(w)) for w in weeks]
                    + [share_cell(f"attainment.rep.{r['owner_id']}.all", r["total"])] for r in a.reps]
        body += details(f"Per rep ({len(rep_rows)})", render_table("On time per rep, week by week",
                                                                   "Reps by team, most deadlines first.", rep_headers, rep_rows))
    else:
        body = empty(f"No first-touch deadline fell in the last {len(weeks)} weeks.")
    ages = "".join(f"<li>{escape(AGE_NAMES[age])}: {metric_span(f'attainment.open_breaches.{age}', a.breach_ages[age], integer(a.breach_ages[age]))}</li>"
                   for age in BREACH_AGES)
    body += (f'<h3>Open breaches by age</h3><p class="note">Untouched leads whose rep deadline has passed, by business days '
             f'of the rep\'s calendar since it was missed.</p><ul class="ages">{ages}</ul>')
    count = len(a.past_point)
    body += f'<h3>Past the agreement\'s point {metric_span("attainment.past_point.count", count, f"({count})", css="count")}</h3>'
    if a.past_point:
        past_headers = [("Lead", False), ("Rep", False), ("Due", False), ("Overdue", True), ("Agreed action", False)]
        past_rows = [[Cell(html=f'<span {metric_attrs("attainment.past_point." + str(r["handoff_id"]) + ".lead", r["lead_id"] or "")}>'
                                f'{escape(str(r["lead_name"] or r["lead_id"] or r["handoff_id"]))}</span>', numeric=False),
                      text_cell(data.owner_label(str(r["owner_id"]))),
                      text_cell(local_time(r["sla_due_at"], zone, data.run_date)),
                      mc(f"attainment.past_point.{r['handoff_id']}.overdue_business_days", r["rep_overdue_business_days"],
                         lambda v: f"{decimal(v, 1)} business days"),
                      Cell(html=f'<span {metric_attrs("attainment.past_point." + str(r["handoff_id"]) + ".action", r["untouched_action"])}>'
                                f'{badge(label(ACTION_NAMES, r["untouched_action"]), "bad")}</span>', numeric=False)]
                     for r in a.past_point]
        body += render_table("Leads past the untouched point", "", past_headers, past_rows[:LIST_VISIBLE], css="list",
                             caption_hidden=True)
        if count > LIST_VISIBLE:
            body += details(f"Show the other {count - LIST_VISIBLE}",
                            render_table("More leads past the untouched point", "", past_headers, past_rows[LIST_VISIBLE:],
                                         css="list", caption_hidden=True))
    else:
        body += empty("No untouched lead has passed the agreement's point (config/sla.yml untouched_lead).")
    r = a.routing
    cadence = ", ".join(f"{escape(CADENCE_NAMES[c].lower())} {metric_span(f'attainment.cadence.{c}', a.cadence[c], integer(a.cadence[c]))}"
                        for c in CADENCE)
    body += (f"<h3>Routing and follow-up <span class=\"period\">{escape(period_text(a.start, a.end))}</span></h3>"
             f'<ul class="routing"><li>Routing breaches (no owner within the routing limit): '
             f'{metric_span("attainment.routing.routing_breaches", r["routing_breaches"], integer(r["routing_breaches"]))} of '
             f'{metric_span("attainment.routing.handoffs", r["handoffs"], integer(r["handoffs"]))} handoffs</li>'
             f'<li>Unassigned handoffs (touched or decided while nobody owned them): '
             f'{metric_span("attainment.routing.unassigned", r["unassigned"], integer(r["unassigned"]))}</li>'
             f"<li>Attempts cadence: {cadence}</li></ul>")
    return body


def manager_section(data: ReportData, zone: ZoneInfo | None) -> str:
    m: ManagerView = data.manager
    title, day = "For the manager: on time, open breaches, leads without an owner", short_day(data.run_date)
    lede = ("The weekly on-time share per team and rep; untouched leads by how long ago their deadline passed, and those "
            "past the agreement's point, to recycle or escalate. Handed-off leads whose owner is deactivated (or who never "
            "had one) are on no rep's list: assign them. Deadlines missed long ago sit at the bottom of their rep's list; "
            "here they are in one place.")
    attainment = _attainment_html(data, zone)
    if not m.available:
        return section("manager", title, day, lede,
                       attainment + empty("The scoring lists are not published, so there is no list of leads without an owner."))
    headers = [("#", True), ("Lead", False), ("Last owner", False), ("Handed off", False), ("Why", False)]
    rows = [[mc(f"manager.needs_owner.{raw(r['rank'])}.rank", r["rank"], integer),
             Cell(html=f'<span {metric_attrs("manager.needs_owner." + str(raw(r["rank"])) + ".lead", r["lead_id"])}>'
                       f'{escape(str(r.get("lead_name") or r["lead_id"]))}</span>', numeric=False),
             text_cell(str(r.get("last_owner_name") or r.get("last_owner_id") or "none")),
             text_cell(local_time(r.get("handed_off_at"), zone, data.run_date)),
             text_cell(str(r.get("reason") or DASH) + (" · routing breach" if r.get("is_routing_breach") else ""))]
            for r in m.needs_owner]
    count = len(m.needs_owner)
    body = attainment + (f'<h3>Needs an owner {metric_span("manager.needs_owner.count", count, f"({count})", css="count")}</h3>'
            + (render_table("Leads that need an owner", "", headers, rows[:LIST_VISIBLE], css="list", caption_hidden=True)
               if rows else empty("Every handed-off lead has an active owner.")))
    if len(rows) > LIST_VISIBLE:
        body += details(f"Show the other {len(rows) - LIST_VISIBLE}",
                        render_table("More leads that need an owner", "", headers, rows[LIST_VISIBLE:], css="list",
                                     caption_hidden=True))
    stale_headers = [("Rep", False), ("Lead", False), ("Due", False), ("Overdue", True)]
    stale_rows = [[text_cell(str(r.get("owner_name") or r["owner_id"])),
                   Cell(html=f'<span {metric_attrs("manager.stale." + str(r["owner_id"]) + "." + str(r["rank"]), r["lead_id"])}>'
                             f'{escape(str(r.get("lead_name") or r["lead_id"]))}</span>', numeric=False),
                   text_cell(local_time(r.get("sla_due_at"), zone, data.run_date)),
                   text_cell(business_minutes(-(number(r.get("business_minutes_to_due")) or 0)))]
                  for r in m.stale]
    body += (f'<h3>Stale deadlines {metric_span("manager.stale.count", len(m.stale), f"({len(m.stale)})", css="count")}</h3>'
             + (render_table("Stale deadlines", "", stale_headers, stale_rows[:LIST_VISIBLE], css="list", caption_hidden=True)
                if stale_rows else empty("No deadline is stale.")))
    if len(stale_rows) > LIST_VISIBLE:
        body += details(f"Show the other {len(stale_rows) - LIST_VISIBLE}",
                        render_table("More stale deadlines", "", stale_headers, stale_rows[LIST_VISIBLE:], css="list",
                                     caption_hidden=True))
    return section("manager", title, day, lede, body)


# ---------------------------------------------------------------------------------------------
# Each rep's list


def lists_section(data: ReportData, zone: ZoneInfo | None) -> str:
    lists: LeadLists = data.lead_lists
    title, day = "Each rep's list for the day", short_day(data.run_date)
    if lists.source == "scoring":
        lede = ("Each rep's ranked open leads from the scoring flow: deadlines that can still be met first (soonest due "
                "first), then deadlines missed in the last few business days, then every other lead by score; deadlines "
                "missed long ago come last (the manager sees them too). With the reasons in words.")
    else:
        lede = ("Each rep's handed-off leads with no first touch yet (the scoring flow's ranked lists are not published): "
                "still within the SLA first, soonest due on top, then those already overdue, most recent first.")
    if not lists.lists:
        return section("lists", title, day, lede,
                       empty_metric("lists.total", 0, "No open lead to work: every handoff has been touched."))
    zone_name = str(zone) if zone else "UTC"
    cards = "".join(_rep_card(rep_list, lists, data, zone) for rep_list in lists.lists)
    total = sum(len(r.rows) for r in lists.lists)
    body = (f'<p class="note">{metric_span("lists.total", total, integer(total))} leads on '
            f'{len(lists.lists)} list{"s" if len(lists.lists) != 1 else ""}; the top {REP_LIST_VISIBLE} of each are shown, the '
            f'rest fold out. Times in {escape(zone_name)}, statuses as of the end of {escape(day)}.</p>'
            f'<div class="reps">{cards}</div>')
    return section("lists", title, day, lede, body)


def empty_metric(metric: str, value: object, text: str) -> str:
    return f'<p class="empty" {metric_attrs(metric, value)}>{escape(text)}</p>'


def _rep_card(rep_list: RepList, lists: LeadLists, data: ReportData, zone: ZoneInfo | None) -> str:
    unassigned = rep_list.owner_id is None
    key = "unassigned" if unassigned else str(rep_list.owner_id)
    scored = "score" in lists.columns
    headers: list[tuple[str, bool]] = [("#", True), ("Lead", False)] + ([("Score", True)] if scored else [])
    headers += [("Why", False), ("Handed off" if unassigned else "Due", False), ("Status", False)]
    rows = []
    for position, row in enumerate(rep_list.rows, start=1):
        rank = row.get("rank") if row.get("rank") is not None else position
        prefix = f"lists.{key}.{raw(rank)}"
        name = row.get("lead_name") or row.get("contact_id") or row.get("lead_id") or DASH
        lead = (f'<span class="lead-name" {metric_attrs(prefix + ".lead", row.get("lead_id") or row.get("contact_id") or "")}>'
                f"{escape(str(name))}</span>")
        if row.get("company_name"):
            lead += f'<span class="lead-company">{escape(str(row["company_name"]))}</span>'
        cells = [mc(prefix + ".rank", rank, integer), Cell(html=lead, numeric=False)]
        if scored:
            cells.append(mc(prefix + ".score", row.get("score"), lambda v: decimal(v, 0)))
        reasons = row.get("reasons") or []
        cells.append(Cell(html="<ul>" + "".join(f"<li>{escape(str(x))}</li>" for x in reasons) + "</ul>" if reasons else DASH,
                          numeric=False, css="reasons"))
        when = row.get("handed_off_at") if unassigned else row.get("sla_due_at")
        cells.append(text_cell(local_time(when, zone, data.run_date)))
        cells.append(Cell(html=_status_badge(row, unassigned, data.evaluated_as_of), numeric=False))
        rows.append(cells)
    size = len(rep_list.rows)
    count = metric_span(f"lists.{key}.count", size, f"{size} lead{'s' if size != 1 else ''}", css="count")
    overdue = sum(1 for r in rep_list.rows if r.get("sla_status") == "open_breach")
    title = "Unassigned: for routing to assign" if unassigned else rep_list.owner_label
    owner_note = "" if unassigned or title == rep_list.owner_id else f'<span class="count">{escape(str(rep_list.owner_id))}</span>'
    table = render_table(f"{title}: leads to work", "", headers, rows[:REP_LIST_VISIBLE], css="list", caption_hidden=True)
    if size > REP_LIST_VISIBLE:
        table += details(f"Show the other {size - REP_LIST_VISIBLE} leads",
                         render_table(f"{title}: more leads", "", headers, rows[REP_LIST_VISIBLE:], css="list", caption_hidden=True))
    return (f'<article class="rep" aria-label="{escape(title)}"><h3>{escape(title)} {owner_note}{count}'
            f'<span class="count">{escape(f" · {overdue} overdue" if overdue else "")}</span></h3>{table}</article>')


def _status_badge(row: Row, unassigned: bool, as_of: datetime | None) -> str:
    """How urgent a lead is, in words: business minutes to due when the scoring flow gives them,
    else wall-clock time to its due time from the end of the day."""
    status, due = row.get("sla_status"), row.get("sla_due_at")
    if unassigned:
        waiting = row.get("handed_off_at")
        return badge(f"No owner for {_span((as_of - waiting).total_seconds() / 60)}" if waiting and as_of else "No owner yet", "bad")
    business = number(row.get("business_minutes_to_due"))
    if due is not None and business is not None:
        if business <= 0 or status == "open_breach":
            return badge(f"Overdue {business_minutes(business)}", "bad")
        return badge(f"Due in {business_minutes(business)}", "bad" if business <= 60 else "warn" if business <= 240 else "neutral")
    if due is not None and as_of is not None:
        gap = (due - as_of).total_seconds() / 60
        if status == "open_breach" or gap < 0:
            return badge(f"Overdue {_span(-gap)}", "bad")
        return badge(f"Due in {_span(gap)}", "warn" if gap <= 240 else "neutral")
    if row.get("urgency_bucket") == "no_deadline" or status in (None, "met", "late", "excluded"):
        return badge("No open SLA", "neutral")
    return badge(label(STATUS_NAMES, status), "neutral")


def _span(total_minutes: float) -> str:
    total = max(round(total_minutes), 0)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


# ---------------------------------------------------------------------------------------------
# The page


SECTIONS = [("summary", "At a glance"), ("marketing", "Marketing"), ("response", "First response"),
            ("breaches", "Breaches per rep"), ("funnel", "Funnel"), ("content", "Content"), ("icp", "ICP evidence"), ("next-question", "Ask next"), ("followup", "Does speed win?"),
            ("restated", "Restated days"), ("quarantine", "Quarantine"),
            ("manager", "Manager"), ("lists", "Rep lists")]


def render_report(data: ReportData, reporting_timezone: str | None = None) -> str:
    """The whole report for ``data`` as one self-contained HTML document."""
    zone = ZoneInfo(reporting_timezone) if reporting_timezone else None
    published = data.publication.published_at
    meta = (f"Data as of the end of the day{f' ({reporting_timezone})' if reporting_timezone else ''} · published run "
            f"{data.publication.run_id}" + (f" at {published:%Y-%m-%d %H:%M} UTC" if published else ""))
    blocks = [summary_section(data), marketing_section(data), response_section(data), breaches_section(data),
              funnel_section(data), content_section(data), icp_section(data), profile_gaps_section(data), followup_section(data), restated_section(data), quarantine_section(data),
              manager_section(data, zone),
              lists_section(data, zone)]
    footer = (
        "<p>Built from the published copy of the warehouse (read-only): marts fct_marketing_sla, fct_marketing_sla_daily, "
        "fct_sales_sla, fct_sales_sla_daily, fct_lead_funnel_daily, fct_icp_evidence, fct_followup_evidence, fct_sales_sla_weekly, fct_content_conversion, fct_mql_missing_attributes, dim_leads, meta.quarantine, meta.streams"
        + (", and scoring.lead_priority_list" if data.lead_lists.source == "scoring" else "")
        + ". Every number on the page carries a <code>data-metric</code> name.</p><dl>"
        f"<dt>Report day</dt><dd {metric_attrs('publication.run_date', data.run_date)}>{escape(data.run_date.isoformat())}</dd>"
        f"<dt>Published run</dt><dd {metric_attrs('publication.run_id', data.publication.run_id)}>{escape(data.publication.run_id)}</dd>"
        "<dt>Rep view</dt><dd>A reassignment before the first touch restarts the clock for the new rep; breaches count against the "
        "rep who held the lead.</dd>"
        "<dt>Business time</dt><dd>Minutes inside the rep's working hours, in the rep's zone, without weekends, public holidays "
        "and absences.</dd></dl>"
    )
    return render_page(
        title=f"Lead SLA report — {data.run_date.isoformat()}",
        heading=f"Lead SLA report · {long_day(data.run_date)}",
        meta=meta, run_date=data.run_date.isoformat(), sections=SECTIONS, blocks=blocks, footer=footer,
    )
