"""What the report shows, read from the published copy (read-only) for one day.

Every figure comes from the published marts (and ``scoring.lead_priority_list`` when published);
nothing is recomputed from lower layers. Where the report sums a mart over a period (the funnel,
breaches per rep) it sums the mart's own columns and derives ratios from those sums. A mart or
column the report needs but the published copy lacks is an error naming it, not an empty chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from lead_sla.publish.as_reported import owner_names, restatement_lines, restatements
from lead_sla.report.formatting import number

Row = dict[str, Any]

TRAILING_DAYS = 28  # the funnel, first responses and the per-rep table cover the 4 weeks ending on the day
BREACH_WEEKS = 12  # breaches per rep over time: 12 weeks of 7 days ending on the day
RESPONSE_BIN_EDGES = (0, 15, 30, 60, 120, 240, 480, 960, 1920)  # business minutes; SLA targets are added
PRIORITY_LIST = "scoring.lead_priority_list"


class ReportError(RuntimeError):
    """The published copy cannot make this report (a missing mart or column, named)."""


class NothingPublished(ReportError):
    """Nothing is published, or the published copy holds another day."""


@dataclass(frozen=True)
class Publication:
    """The publication the report reads (``meta.publication``)."""

    run_id: str
    run_date: date
    published_at: datetime | None


@dataclass(frozen=True)
class Marketing:
    month_start: date
    month_end: date
    segments: list[Row]
    total: Row
    days: list[Row]  # report_date, mqls_delivered, pace_target_mqls (all segments) up to the day


@dataclass(frozen=True)
class Response:
    start: date
    end: date
    bins: list[tuple[str, float, float | None, int]]  # label, low, high (None: open), handoffs
    targets: list[tuple[str, int]]  # priority, committed business minutes, as applied in the period
    by_priority: list[Row]  # priority, handoffs_touched, median, p90, met, late, met_share, targets
    total: Row


@dataclass(frozen=True)
class SpeedToLead:
    """First response on the wall clock beside business time, by weekday and hour of the handoff in the
    reporting zone (``marts.fct_sales_sla``, team view, excluded handoffs left out), over the response period."""

    zone: str
    by_weekday: list[Row]  # weekday (1 = Monday), handoffs, touched, median_business_minutes, median_wall_minutes
    by_hour: list[Row]  # hour (0-23) and the same


@dataclass(frozen=True)
class Breaches:
    start: date
    end: date
    reps: list[Row]  # owner_id and the summed daily columns over TRAILING_DAYS, open_breaches now
    total: Row
    week_starts: list[date]  # BREACH_WEEKS buckets of 7 days ending on the day
    weekly: dict[str, list[int]]  # owner_id -> breaches per bucket


@dataclass(frozen=True)
class Funnel:
    start: date
    end: date
    channels: list[Row]
    total: Row
    currency: str | None
    won_deals_other_currency: int | None  # won deals whose amount is not in won_amount (None: the mart has no such column)
    cohort_window_days: int | None = None  # the days within which a cohort's conversion counts


@dataclass(frozen=True)
class Restated:
    """Past days whose published numbers changed after their first report (headline numbers)."""

    since: date
    lines: list[str]  # plain words, newest restatement first
    rows: int  # restated rows (day, table and rep, segment or channel) since ``since``


@dataclass(frozen=True)
class ManagerView:
    """What the sales manager acts on: leads without an active owner, and stale deadlines."""

    needs_owner: list[Row]  # scoring.leads_needing_owner, in rank order
    stale: list[Row]  # leads of every rep's list whose deadline was missed long ago
    available: bool  # False: the scoring lists are not published


@dataclass(frozen=True)
class Attainment:
    """What a sales manager looks at first (``marts.fct_sales_sla_weekly`` and ``marts.fct_sales_sla``):
    the weekly on-time share per team and rep, open breaches by age with the leads past the agreement's
    untouched point, and routing breaches, unassigned handoffs and the attempts cadence of the period."""

    week_starts: list[date]  # the ATTAINMENT_WEEKS calendar weeks (Monday) up to the report day's
    teams: list[Row]  # team, weeks: {week_start: row of sums}, total row over the weeks
    reps: list[Row]  # owner_id, owner_name, team, weeks, total; ordered by team, then most due first
    breach_ages: dict[str, int]  # open_breach_age -> open breaches (rep view, lead still open)
    past_point: list[Row]  # open breaches past the untouched point, oldest first, with the action
    start: date
    end: date
    routing: Row  # handoffs, routing_breaches, unassigned of the period (by handoff day)
    cadence: dict[str, int]  # attempts_sla_status -> handoffs of the period


@dataclass(frozen=True)
class IcpVersion:
    icp_version: str
    in_force: bool
    overall_win_rate: float | None
    population: int
    wins: int
    attributes: dict[str, list[Row]]  # attribute -> rows (attribute_value evidence)
    tiers: list[Row]


@dataclass(frozen=True)
class FollowupEvidence:
    """Does speed win? The pooled closed cohorts of one SLA version (``marts.fct_followup_evidence``,
    cohort ``all_closed``): every stratum (all, and each ICP tier), dimension and value."""

    sla_version: str | None  # None: no cohort has closed yet
    outcome_window_days: int | None
    months: list[date]  # the closed months pooled
    rows: list[Row]  # in stratum, dimension and value order

    def stratum(self, icp_tier: str, dimension: str) -> list[Row]:
        return [r for r in self.rows if r["icp_tier"] == icp_tier and r["dimension"] == dimension]

    @property
    def strata(self) -> list[str]:
        return list(dict.fromkeys(str(r["icp_tier"]) for r in self.rows))


@dataclass(frozen=True)
class Quarantine:
    """The night's quarantine per stream as published (``meta.quarantine``): rows read and set aside,
    their share, the data-quality verdict and the commonest reasons."""

    streams: list[Row]  # stream, rows_read, rows_quarantined, quarantined_share, verdict, top_reasons
    available: bool  # False: the published copy predates meta.quarantine

    @property
    def rows_read(self) -> int:
        return sum(int(r["rows_read"]) for r in self.streams)

    @property
    def rows_quarantined(self) -> int:
        return sum(int(r["rows_quarantined"]) for r in self.streams)


@dataclass(frozen=True)
class ProfileGaps:
    """Which profile attributes MQLs most often lack (``marts.fct_mql_missing_attributes``)."""

    mqls: int  # open leads at stage mql now
    attributes: list[Row]  # attribute, form_field, missing_mqls, missing_share, next_question_mqls; most missing first
    available: bool  # False: the published copy predates the mart


@dataclass(frozen=True)
class RepList:
    owner_id: str | None  # None: unassigned handoffs (routing's list)
    owner_label: str
    rows: list[Row]  # in rank order


@dataclass(frozen=True)
class LeadLists:
    source: str  # "scoring" (scoring.lead_priority_list) or "handoffs" (fct_sales_sla)
    lists: list[RepList]
    columns: list[str] = field(default_factory=list)  # which optional columns the rows carry


@dataclass(frozen=True)
class ContentConversion:
    """Content that converts: every content piece's pooled closed cohorts (``marts.fct_content_conversion``,
    cohort ``all_closed``), and the pieces whose MQL rate is surely highest and surely lowest."""

    window_days: int | None  # None: no cohort has closed yet
    months: list[date]  # the closed months pooled
    pieces: list[Row]  # every piece engaged with, surest MQL rate first
    top: list[Row]  # the CONTENT_SHOWN pieces with the highest lower bound of the MQL rate
    bottom: list[Row]  # of the others, the CONTENT_SHOWN with the lowest upper bound


@dataclass(frozen=True)
class SourceStreams:
    """Which source streams the published day had data for (``meta.streams``, recorded by the build).

    A section whose input stream is absent is hidden with a one-line note, so that "no export" never
    reads as "nothing happened". A copy published before the record knows no stream absent.
    """

    absent: frozenset[str] = frozenset()
    recorded: bool = False

    def lacks(self, *streams: str) -> bool:
        """True when every one of ``streams`` is absent."""
        return all(stream in self.absent for stream in streams)


@dataclass(frozen=True)
class ReportData:
    """Everything one day's report shows."""

    run_date: date
    publication: Publication
    evaluated_as_of: datetime | None  # end of the day in the reporting zone, as naive UTC
    marketing: Marketing
    response: Response
    breaches: Breaches
    funnel: Funnel
    icp: list[IcpVersion]
    lead_lists: LeadLists
    restated: Restated
    manager: ManagerView
    followup: FollowupEvidence
    speed: SpeedToLead
    quarantine: Quarantine
    attainment: Attainment
    content: ContentConversion
    profile_gaps: ProfileGaps | None = None
    streams: SourceStreams = field(default_factory=SourceStreams)

    def owner_label(self, owner_id: str) -> str:
        """The rep's name when the published lists carry it, else the owner id."""
        for rep_list in self.lead_lists.lists:
            if rep_list.owner_id == owner_id:
                return rep_list.owner_label
        return owner_id


# ---------------------------------------------------------------------------------------------
# Opening the published copy


def read_publication(published_db: Path) -> Publication | None:
    """The day and run the published copy holds, or None when there is none (or it is not one)."""
    if not published_db.exists():
        return None
    conn = duckdb.connect(str(published_db), read_only=True)
    try:
        if not _has_table(conn, "meta", "publication"):
            return None
        row = conn.execute("SELECT run_id, run_date, published_at FROM meta.publication").fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return Publication(run_id=str(row[0]), run_date=_as_date(row[1]), published_at=row[2])


def load_report_data(published_db: Path, run_date: date, reporting_timezone: str | None = None) -> ReportData:
    """Read the report's content for ``run_date`` from the published copy at ``published_db``.

    Hours and weekdays of handoffs are read in ``reporting_timezone`` (UTC when None). Raises
    ``NothingPublished`` when nothing is published there or it holds another day, and
    ``ReportError`` when a mart or column the report needs is missing.
    """
    publication = read_publication(published_db)
    if publication is None:
        raise NothingPublished(f"nothing is published at {published_db}: run `lead-sla run` for a day first")
    if publication.run_date != run_date:
        raise NothingPublished(
            f"the published copy at {published_db} holds {publication.run_date.isoformat()} "
            f"(run {publication.run_id}), not {run_date.isoformat()}; a report can only be built "
            "for the day that is published"
        )
    conn = duckdb.connect(str(published_db), read_only=True)
    try:
        conn.execute("SET TimeZone = 'UTC'")
        _require(conn, REQUIRED_COLUMNS)
        as_of = conn.execute("SELECT max(evaluated_as_of) FROM marts.fct_sales_sla").fetchone()
        return ReportData(
            run_date=run_date,
            publication=publication,
            evaluated_as_of=as_of[0] if as_of else None,
            marketing=_marketing(conn, run_date),
            response=_response(conn, run_date),
            breaches=_breaches(conn, run_date),
            funnel=_funnel(conn, run_date),
            icp=_icp(conn),
            lead_lists=_lead_lists(conn, run_date),
            restated=_restated(conn, run_date),
            manager=_manager(conn, run_date),
            followup=_followup(conn),
            speed=_speed_to_lead(conn, run_date, reporting_timezone or "UTC"),
            quarantine=_quarantine(conn),
            attainment=_attainment(conn, run_date),
            profile_gaps=_profile_gaps(conn),
            content=_content(conn),
            streams=_streams(conn),
        )
    finally:
        conn.close()


FOLLOWUP_OUTCOMES = ("sql", "opportunity", "win")
FOLLOWUP_COUNTS = {"sql": "sqls", "opportunity": "opportunities", "win": "wins"}
FOLLOWUP_OUTCOME_COLUMNS = tuple(
    column for outcome in FOLLOWUP_OUTCOMES for column in (
        FOLLOWUP_COUNTS[outcome], f"{outcome}_rate", f"{outcome}_rate_lower_95", f"{outcome}_rate_upper_95",
        f"stratum_{outcome}_rate", f"{outcome}_lift", f"{outcome}_lift_lower_95", f"{outcome}_lift_upper_95",
        f"is_{outcome}_lift_supported",
    )
)
FOLLOWUP_POOLED = "all_closed"
FOLLOWUP_STRATA = ("all", "A", "B", "C", "unscored")

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "marts.fct_marketing_sla": (
        "month_start", "segment", "report_date", "mql_target", "mqls_delivered", "mql_attainment",
        "pace_target_mqls", "pace_attainment", "projected_mqls", "projected_attainment", "tier_a_mqls",
        "tier_a_share", "mqls_accepted_within_window", "acceptance_rate", "mqls_rejected",
        "top_rejection_reasons", "lead_value_delivered", "lead_value_target", "lead_value_attainment", "business_days_elapsed",
        "business_days_in_month",
    ),
    "marts.fct_marketing_sla_daily": ("report_date", "month_start", "segment", "mql_target", "mqls_delivered", "pace_target_mqls"),
    "marts.fct_sales_sla": (
        "handoff_id", "contact_id", "handoff_date", "handed_off_at", "priority", "icp_tier", "fit_score", "sla_status",
        "response_business_minutes", "response_minutes",
        "sla_target_business_minutes", "rep_owner_id", "rep_sla_due_at", "rep_sla_status", "first_touch_at",
        "rep_response_business_minutes", "outcome", "attempts_in_window", "evaluated_as_of",
        "is_routing_breach", "attempts_sla_status", "open_breach_age", "rep_overdue_business_days",
        "is_past_untouched_limit", "untouched_action",
    ),
    "marts.fct_sales_sla_daily": (
        "activity_date", "owner_id", "handoffs_received", "handoffs_due", "handoffs_met_by_due",
        "handoffs_breached", "handoffs_touched_within_sla", "handoffs_touched_late", "handoffs_pending",
    ),
    "marts.fct_lead_funnel_daily": (
        "report_date", "channel", "sessions", "unique_visitors", "new_leads", "mqls", "sqls",
        "opportunities", "won_deals", "won_amount", "currency", "cohort_window_days", "cohort_visitors",
        "cohort_visitors_identified", "cohort_leads", "cohort_mqls", "cohort_sqls", "cohort_opportunities",
        "cohort_customers",
    ),
    "marts.fct_icp_evidence": (
        "icp_version", "evidence_type", "attribute", "attribute_value", "rule_id", "rule_points", "leads",
        "wins", "win_rate", "overall_win_rate", "lift", "win_rate_lower_95", "win_rate_upper_95",
        "expected_win_probability",
    ),
    "marts.fct_followup_evidence": (
        "sla_version", "cohort", "cohort_month", "outcome_window_days", "icp_tier", "dimension", "dimension_value",
        "value_order", "handoffs", "stratum_handoffs", *FOLLOWUP_OUTCOME_COLUMNS,
    ),
    "marts.dim_leads": ("lead_id", "contact_id", "first_name", "last_name", "company_name", "icp_version", "is_deleted"),
    "marts.fct_sales_sla_weekly": ("week_start", "owner_id", "owner_name", "team", "handoffs_due", "handoffs_met_by_due",
                                   "handoffs_breached", "on_time_share", "is_week_complete"),
}


def _require(conn: duckdb.DuckDBPyConnection, required: dict[str, tuple[str, ...]]) -> None:
    problems = []
    for table, columns in required.items():
        schema, name = table.split(".")
        present = _columns(conn, schema, name)
        if not present:
            problems.append(f"{table} is not in the published copy")
            continue
        missing = [c for c in columns if c not in present]
        if missing:
            problems.append(f"{table} lacks {', '.join(missing)}")
    if problems:
        raise ReportError("the published copy cannot make the report: " + "; ".join(problems))


def _has_table(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(_columns(conn, schema, name))


def _columns(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _ratio(numerator: Any, denominator: Any) -> float | None:
    top, bottom = number(numerator), number(denominator)
    if top is None or not bottom:
        return None
    return top / bottom


def _sum(rows: Iterable[Row], column: str) -> float | None:
    values = [number(r[column]) for r in rows]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


# ---------------------------------------------------------------------------------------------
# Sections


def _marketing(conn: duckdb.DuckDBPyConnection, run_date: date) -> Marketing:
    month_start = run_date.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    segments = _rows(
        conn,
        """SELECT segment, sla_version, mql_target, mqls_delivered, mql_attainment, pace_target_mqls,
                  pace_attainment, projected_mqls, projected_attainment, tier_a_mqls, tier_a_share,
                  mqls_accepted_within_window, acceptance_rate, mqls_rejected, top_rejection_reasons,
                  lead_value_delivered, lead_value_target, lead_value_attainment, business_days_elapsed,
                  business_days_in_month
           FROM marts.fct_marketing_sla WHERE month_start = ? ORDER BY mql_target DESC NULLS LAST, segment""",
        [month_start],
    )
    targeted = [s for s in segments if number(s["mql_target"]) is not None]
    delivered = _sum(segments, "mqls_delivered") or 0.0
    target = _sum(targeted, "mql_target")
    pace = _sum(targeted, "pace_target_mqls")
    projected = _sum(segments, "projected_mqls")
    value_targeted = [s for s in segments if number(s["lead_value_target"]) is not None]
    value_target = _sum(value_targeted, "lead_value_target")
    value_delivered = _sum(segments, "lead_value_delivered")
    total: Row = {
        "segment": "total",
        "mql_target": target,
        "mqls_delivered": delivered,
        "mql_attainment": _ratio(delivered, target),
        "pace_target_mqls": pace,
        "pace_attainment": _ratio(delivered, pace),
        "projected_mqls": projected,
        "projected_attainment": _ratio(projected, target),
        "tier_a_mqls": _sum(segments, "tier_a_mqls"),
        "tier_a_share": _ratio(_sum(segments, "tier_a_mqls"), delivered),
        "mqls_accepted_within_window": _sum(segments, "mqls_accepted_within_window"),
        "acceptance_rate": _ratio(_sum(segments, "mqls_accepted_within_window"), delivered),
        "mqls_rejected": _sum(segments, "mqls_rejected"),
        "lead_value_delivered": value_delivered,
        "lead_value_target": value_target,
        # against the segments that have a lead-value target only
        "lead_value_attainment": _ratio(_sum(value_targeted, "lead_value_delivered"), value_target),
        "business_days_elapsed": segments[0]["business_days_elapsed"] if segments else None,
        "business_days_in_month": segments[0]["business_days_in_month"] if segments else None,
    }
    days = _rows(
        conn,
        """SELECT report_date, sum(mqls_delivered) AS mqls_delivered,
                  sum(pace_target_mqls) FILTER (WHERE mql_target IS NOT NULL) AS pace_target_mqls
           FROM marts.fct_marketing_sla_daily
           WHERE month_start = ? AND report_date <= ?
           GROUP BY report_date ORDER BY report_date""",
        [month_start, run_date],
    )
    return Marketing(month_start, month_end, segments, total, days)


def _response(conn: duckdb.DuckDBPyConnection, run_date: date) -> Response:
    start = run_date - timedelta(days=TRAILING_DAYS - 1)
    window = "handoff_date >= ? AND handoff_date <= ?"
    targets = [
        (str(p), int(m)) for p, m in conn.execute(
            f"""SELECT priority, sla_target_business_minutes FROM marts.fct_sales_sla WHERE {window}
                GROUP BY ALL ORDER BY sla_target_business_minutes, priority""",
            [start, run_date],
        ).fetchall()
    ]
    edges = sorted(set(RESPONSE_BIN_EDGES) | {minutes for _, minutes in targets})
    bounds = list(zip(edges, [*edges[1:], None]))
    cases = " ".join(
        f"WHEN rep_response_business_minutes >= {low} AND rep_response_business_minutes < {high} THEN {i}"
        if high is not None else f"WHEN rep_response_business_minutes >= {low} THEN {i}"
        for i, (low, high) in enumerate(bounds)
    )
    counts = dict(conn.execute(
        f"""SELECT CASE {cases} END AS bin, count(*) FROM marts.fct_sales_sla
            WHERE {window} AND rep_response_business_minutes IS NOT NULL GROUP BY 1""",
        [start, run_date],
    ).fetchall())
    bins = [(_bin_label(low, high), float(low), None if high is None else float(high), int(counts.get(i, 0)))
            for i, (low, high) in enumerate(bounds)]
    stats = """count(rep_response_business_minutes) AS handoffs_touched,
               quantile_cont(rep_response_business_minutes, 0.5) AS median_minutes,
               quantile_cont(rep_response_business_minutes, 0.9) AS p90_minutes,
               count(*) FILTER (WHERE rep_sla_status = 'met') AS met,
               count(*) FILTER (WHERE rep_sla_status = 'late') AS late"""
    by_priority = _rows(
        conn,
        f"""SELECT priority, {stats}, string_agg(DISTINCT CAST(sla_target_business_minutes AS VARCHAR), ' / '
                   ORDER BY CAST(sla_target_business_minutes AS VARCHAR)) AS targets,
                   min(sla_target_business_minutes) AS first_target
            FROM marts.fct_sales_sla WHERE {window} GROUP BY priority ORDER BY first_target, priority""",
        [start, run_date],
    )
    total = _rows(conn, f"SELECT 'all' AS priority, {stats} FROM marts.fct_sales_sla WHERE {window}", [start, run_date])[0]
    for row in [*by_priority, total]:
        row["met_share"] = _ratio(row["met"], (number(row["met"]) or 0) + (number(row["late"]) or 0))
    return Response(start, run_date, bins, targets, by_priority, total)


def _bin_label(low: float, high: float | None) -> str:
    def hours(value: float) -> str:
        return f"{value / 60:g}"

    if high is None:
        return f"{hours(low)} h+" if low >= 60 else f"{low:g} min+"
    if high <= 60:
        return f"{low:g}–{high:g} min"
    if low >= 60:
        return f"{hours(low)}–{hours(high)} h"
    return f"{low:g} min–{hours(high)} h"


def _speed_to_lead(conn: duckdb.DuckDBPyConnection, run_date: date, zone: str) -> SpeedToLead:
    start = run_date - timedelta(days=TRAILING_DAYS - 1)

    def by(part: str) -> list[Row]:
        return _rows(
            conn,
            f"""SELECT {part}(timezone(?, timezone('UTC', handed_off_at))) AS {part}, count(*) AS handoffs,
                       count(first_touch_at) AS touched, median(response_business_minutes) AS median_business_minutes,
                       median(response_minutes) AS median_wall_minutes
                FROM marts.fct_sales_sla
                WHERE handoff_date BETWEEN ? AND ? AND sla_status <> 'excluded'
                GROUP BY 1 ORDER BY 1""",
            [zone, start, run_date],
        )

    return SpeedToLead(zone, by("isodow"), by("hour"))


DAILY_SUMS = ("handoffs_received", "handoffs_due", "handoffs_met_by_due", "handoffs_breached",
              "handoffs_touched_within_sla", "handoffs_touched_late")


def _breaches(conn: duckdb.DuckDBPyConnection, run_date: date) -> Breaches:
    start = run_date - timedelta(days=TRAILING_DAYS - 1)
    sums = ", ".join(f"sum({c}) FILTER (WHERE activity_date >= ?) AS {c}" for c in DAILY_SUMS)
    reps = _rows(
        conn,
        f"""WITH daily AS (SELECT * FROM marts.fct_sales_sla_daily WHERE activity_date <= ?),
                 owners AS (SELECT DISTINCT owner_id FROM daily WHERE activity_date >= ?
                            UNION SELECT DISTINCT rep_owner_id FROM marts.fct_sales_sla
                            WHERE rep_owner_id IS NOT NULL AND rep_sla_status = 'open_breach' AND outcome = 'open')
            SELECT o.owner_id, {sums},
                   sum(handoffs_pending) FILTER (WHERE activity_date = ?) AS handoffs_pending
            FROM owners o LEFT JOIN daily d ON d.owner_id = o.owner_id
            GROUP BY o.owner_id ORDER BY o.owner_id""",
        [run_date, start, *([start] * len(DAILY_SUMS)), run_date],
    )
    open_now = dict(conn.execute(
        """SELECT rep_owner_id, count(*) FROM marts.fct_sales_sla
           WHERE rep_owner_id IS NOT NULL AND rep_sla_status = 'open_breach' AND outcome = 'open' GROUP BY 1"""
    ).fetchall())
    for rep in reps:
        for column in (*DAILY_SUMS, "handoffs_pending"):
            rep[column] = int(number(rep[column]) or 0)
        rep["sla_attainment"] = _ratio(rep["handoffs_met_by_due"], rep["handoffs_due"])
        rep["open_breaches"] = int(open_now.get(rep["owner_id"], 0))
    total: Row = {"owner_id": "total"}
    for column in (*DAILY_SUMS, "handoffs_pending", "open_breaches"):
        total[column] = sum(rep[column] for rep in reps)
    total["sla_attainment"] = _ratio(total["handoffs_met_by_due"], total["handoffs_due"])

    first_week = run_date - timedelta(days=BREACH_WEEKS * 7 - 1)
    week_starts = [first_week + timedelta(days=7 * k) for k in range(BREACH_WEEKS)]
    weekly = {rep["owner_id"]: [0] * BREACH_WEEKS for rep in reps}
    for owner, bucket, breached in conn.execute(
        """SELECT owner_id, CAST(floor(datediff('day', CAST(? AS DATE), activity_date) / 7) AS INTEGER) AS bucket,
                  sum(handoffs_breached)
           FROM marts.fct_sales_sla_daily WHERE activity_date BETWEEN ? AND ? GROUP BY ALL""",
        [first_week, first_week, run_date],
    ).fetchall():
        weekly.setdefault(owner, [0] * BREACH_WEEKS)[int(bucket)] = int(breached or 0)
    return Breaches(start, run_date, reps, total, week_starts, dict(sorted(weekly.items())))


FUNNEL_SUMS = ("sessions", "unique_visitors", "new_leads", "mqls", "sqls", "opportunities", "won_deals", "won_amount",
               "cohort_visitors", "cohort_visitors_identified", "cohort_leads", "cohort_mqls", "cohort_sqls",
               "cohort_opportunities", "cohort_customers")


def _funnel_rates(row: Row) -> None:
    """Cohort conversion of the period: of the visitors first seen and the leads created in it, the
    share that reached each later stage so far (within the cohort window). Always between 0 and 1."""
    row["visitor_to_lead_rate"] = _ratio(row["cohort_visitors_identified"], row["cohort_visitors"])
    row["lead_to_mql_rate"] = _ratio(row["cohort_mqls"], row["cohort_leads"])
    row["lead_to_sql_rate"] = _ratio(row["cohort_sqls"], row["cohort_leads"])
    row["lead_to_opportunity_rate"] = _ratio(row["cohort_opportunities"], row["cohort_leads"])
    row["lead_to_customer_rate"] = _ratio(row["cohort_customers"], row["cohort_leads"])


def _funnel(conn: duckdb.DuckDBPyConnection, run_date: date) -> Funnel:
    start = run_date - timedelta(days=TRAILING_DAYS - 1)
    sums = ", ".join(f"sum({c}) AS {c}" for c in FUNNEL_SUMS)
    channels = _rows(
        conn,
        f"""SELECT channel, {sums} FROM marts.fct_lead_funnel_daily
            WHERE report_date BETWEEN ? AND ? GROUP BY channel ORDER BY new_leads DESC, channel""",
        [start, run_date],
    )
    currencies = [r[0] for r in conn.execute(
        "SELECT DISTINCT currency FROM marts.fct_lead_funnel_daily WHERE report_date BETWEEN ? AND ? AND currency IS NOT NULL",
        [start, run_date],
    ).fetchall()]
    total: Row = {"channel": "total"}
    for column in FUNNEL_SUMS:
        total[column] = _sum(channels, column) or 0
    for row in [*channels, total]:
        _funnel_rates(row)
    other = None
    if "won_deals_other_currency" in _columns(conn, "marts", "fct_lead_funnel_daily"):
        found = conn.execute(
            "SELECT coalesce(sum(won_deals_other_currency), 0) FROM marts.fct_lead_funnel_daily WHERE report_date BETWEEN ? AND ?",
            [start, run_date],
        ).fetchone()
        other = int(found[0]) if found else 0
    window = conn.execute("SELECT max(cohort_window_days) FROM marts.fct_lead_funnel_daily").fetchone()
    return Funnel(start, run_date, channels, total, ", ".join(sorted(currencies)) or None, other,
                  int(window[0]) if window and window[0] is not None else None)


def _icp(conn: duckdb.DuckDBPyConnection) -> list[IcpVersion]:
    in_force = conn.execute(
        """SELECT icp_version FROM marts.dim_leads WHERE icp_version IS NOT NULL
           GROUP BY 1 ORDER BY count(*) DESC, icp_version DESC LIMIT 1"""
    ).fetchone()
    current = in_force[0] if in_force else None
    rows = _rows(
        conn,
        """SELECT icp_version, evidence_type, attribute, attribute_value, rule_id, rule_points, leads, wins,
                  win_rate, overall_win_rate, lift, win_rate_lower_95, win_rate_upper_95, expected_win_probability
           FROM marts.fct_icp_evidence ORDER BY icp_version, attribute, win_rate DESC NULLS LAST, attribute_value""",
    )
    found = {str(r["icp_version"]) for r in rows}
    versions = ([current] if current in found else []) + sorted(found - {current}, reverse=True)
    result = []
    for version in versions:
        mine = [r for r in rows if r["icp_version"] == version]
        tiers = sorted((r for r in mine if r["evidence_type"] == "tier"), key=lambda r: str(r["attribute_value"]))
        attributes: dict[str, list[Row]] = {}
        for r in mine:
            if r["evidence_type"] == "attribute_value":
                attributes.setdefault(str(r["attribute"]), []).append(r)
        population = int(sum(number(r["leads"]) or 0 for r in tiers))
        wins = int(sum(number(r["wins"]) or 0 for r in tiers))
        overall = next((number(r["overall_win_rate"]) for r in mine if number(r["overall_win_rate"]) is not None), None)
        result.append(IcpVersion(version, version == current, overall, population, wins, attributes, tiers))
    return result


def _followup(conn: duckdb.DuckDBPyConnection) -> FollowupEvidence:
    """The pooled closed cohorts of the latest SLA version that has any."""
    found = conn.execute(
        "SELECT max(sla_version) FROM marts.fct_followup_evidence WHERE cohort = ?", [FOLLOWUP_POOLED]
    ).fetchone()
    version = found[0] if found else None
    if version is None:
        return FollowupEvidence(None, None, [], [])
    months = [_as_date(m) for (m,) in conn.execute(
        """SELECT DISTINCT cohort_month FROM marts.fct_followup_evidence
           WHERE sla_version = ? AND cohort_month IS NOT NULL ORDER BY 1""", [version]).fetchall()]
    order = " ".join(f"WHEN '{tier}' THEN {i}" for i, tier in enumerate(FOLLOWUP_STRATA))
    rows = _rows(
        conn,
        f"""SELECT icp_tier, dimension, dimension_value, value_order, outcome_window_days, handoffs, stratum_handoffs,
                   {', '.join(FOLLOWUP_OUTCOME_COLUMNS)}
            FROM marts.fct_followup_evidence WHERE sla_version = ? AND cohort = ?
            ORDER BY CASE icp_tier {order} ELSE 99 END, icp_tier, dimension, value_order, dimension_value""",
        [version, FOLLOWUP_POOLED],
    )
    window = int(rows[0]["outcome_window_days"]) if rows else None
    return FollowupEvidence(str(version), window, months, rows)


def _streams(conn: duckdb.DuckDBPyConnection) -> SourceStreams:
    """The published day's streams as the publisher wrote them (``meta.streams``)."""
    from lead_sla.ops.streams import absent_streams, read_night_streams

    streams = read_night_streams(conn, "meta.streams")
    return SourceStreams(absent=absent_streams(streams), recorded=bool(streams))


def _quarantine(conn: duckdb.DuckDBPyConnection) -> Quarantine:
    """The night's quarantine as the publisher wrote it, most set aside first."""
    if not _has_table(conn, "meta", "quarantine"):
        return Quarantine([], False)
    rows = _rows(
        conn,
        """SELECT stream, rows_read, rows_quarantined, quarantined_share, verdict, top_reasons FROM meta.quarantine
           ORDER BY rows_quarantined DESC, stream""",
    )
    return Quarantine(rows, True)


def _profile_gaps(conn: duckdb.DuckDBPyConnection) -> ProfileGaps:
    """The ICP attributes missing among MQLs, most often missing first."""
    if not _has_table(conn, "marts", "fct_mql_missing_attributes"):
        return ProfileGaps(0, [], False)
    rows = _rows(
        conn,
        """SELECT attribute, form_field, mqls, missing_mqls, missing_share, next_question_mqls
           FROM marts.fct_mql_missing_attributes ORDER BY missing_rank""",
    )
    return ProfileGaps(int(rows[0]["mqls"]) if rows else 0, rows, True)


# ---------------------------------------------------------------------------------------------
# Restated days and the manager's view

RESTATED_DAYS = 14  # restatements published in the two weeks ending on the day


def _restated(conn: duckdb.DuckDBPyConnection, run_date: date) -> Restated:
    """The headline numbers of past days that changed after their first report, restated in the
    last ``RESTATED_DAYS`` days (from ``marts.as_reported_restatements``)."""
    since = run_date - timedelta(days=RESTATED_DAYS - 1)
    lines = restatement_lines(restatements(conn, since=since), owner_names(conn))
    return Restated(since, lines, len(lines))


STALE_BUCKET = "stale"
ATTAINMENT_WEEKS = 8  # the weekly on-time trend: the report day's calendar week and the 7 before it
BREACH_AGES = ("fresh", "one_to_five_business_days", "older")
CADENCE = ("met", "reached_early", "missed", "in_window")
WEEKLY_SUMS = ("handoffs_due", "handoffs_met_by_due", "handoffs_breached")


def _week_row(rows: list[Row]) -> Row:
    """Sums of a group of weekly rows and their on-time share (met over due, as in the mart)."""
    total: Row = {c: int(sum(number(r[c]) or 0 for r in rows)) for c in WEEKLY_SUMS}
    total["on_time_share"] = _ratio(total["handoffs_met_by_due"], total["handoffs_due"])
    return total


def _attainment(conn: duckdb.DuckDBPyConnection, run_date: date) -> Attainment:
    current = run_date - timedelta(days=run_date.weekday())
    week_starts = [current - timedelta(days=7 * k) for k in reversed(range(ATTAINMENT_WEEKS))]
    rows = _rows(
        conn,
        f"""SELECT week_start, owner_id, owner_name, team, {', '.join(WEEKLY_SUMS)}, on_time_share
            FROM marts.fct_sales_sla_weekly WHERE week_start BETWEEN ? AND ? ORDER BY team, owner_id, week_start""",
        [week_starts[0], week_starts[-1]],
    )
    for row in rows:
        row["week_start"] = _as_date(row["week_start"])

    def grouped(key: str) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for row in rows:
            out.setdefault(str(row[key]), []).append(row)
        return out

    teams = [{"team": team, "weeks": {w: _week_row([r for r in mine if r["week_start"] == w]) for w in week_starts},
              "total": _week_row(mine)} for team, mine in grouped("team").items()]
    reps = [{"owner_id": owner, "owner_name": mine[0]["owner_name"], "team": mine[0]["team"],
             "weeks": {r["week_start"]: r for r in mine}, "total": _week_row(mine)}
            for owner, mine in grouped("owner_id").items()]
    reps.sort(key=lambda r: (str(r["team"]), -r["total"]["handoffs_due"], str(r["owner_id"])))
    ages = dict(conn.execute(
        """SELECT open_breach_age, count(*) FROM marts.fct_sales_sla
           WHERE rep_sla_status = 'open_breach' AND outcome = 'open' AND open_breach_age IS NOT NULL GROUP BY 1"""
    ).fetchall())
    past = _rows(
        conn,
        """SELECT s.handoff_id, s.rep_owner_id AS owner_id, s.rep_sla_due_at AS sla_due_at, s.rep_overdue_business_days,
                  s.untouched_action, nullif(trim(concat_ws(' ', l.first_name, l.last_name)), '') AS lead_name,
                  l.company_name, l.lead_id
           FROM marts.fct_sales_sla s LEFT JOIN marts.dim_leads l ON l.contact_id = s.contact_id
           WHERE s.is_past_untouched_limit AND s.outcome = 'open' AND NOT coalesce(l.is_deleted, false)
           ORDER BY s.rep_overdue_business_days DESC, s.handoff_id""",
    )
    start = run_date - timedelta(days=TRAILING_DAYS - 1)
    routing = _rows(
        conn,
        """SELECT count(*) FILTER (WHERE sla_status <> 'excluded') AS handoffs,
                  count(*) FILTER (WHERE is_routing_breach AND sla_status <> 'excluded') AS routing_breaches,
                  count(*) FILTER (WHERE rep_sla_status = 'unassigned') AS unassigned
           FROM marts.fct_sales_sla WHERE handoff_date BETWEEN ? AND ?""",
        [start, run_date],
    )[0]
    cadence = dict(conn.execute(
        """SELECT attempts_sla_status, count(*) FROM marts.fct_sales_sla
           WHERE handoff_date BETWEEN ? AND ? AND attempts_sla_status IS NOT NULL GROUP BY 1""",
        [start, run_date],
    ).fetchall())
    return Attainment(week_starts, teams, reps, {a: int(ages.get(a, 0)) for a in BREACH_AGES}, past, start, run_date,
                      {k: int(v or 0) for k, v in routing.items()}, {c: int(cadence.get(c, 0)) for c in CADENCE})


def _manager(conn: duckdb.DuckDBPyConnection, run_date: date) -> ManagerView:
    if not _columns(conn, "scoring", "leads_needing_owner") or not _columns(conn, "scoring", "lead_priority_list"):
        return ManagerView([], [], False)
    needs_owner = _rows(
        conn,
        """SELECT needs_owner_rank AS rank, lead_id, lead_name, company_name, last_owner_id, last_owner_name,
                  owner_deactivated_at, handed_off_at, is_routing_breach, priority_score, reason
           FROM scoring.leads_needing_owner WHERE score_date = ? ORDER BY needs_owner_rank""",
        [run_date],
    )
    stale = _rows(
        conn,
        f"""SELECT owner_id, owner_name, priority_rank AS rank, lead_id, lead_name, company_name, sla_due_at,
                   business_minutes_to_due, priority_score
            FROM {PRIORITY_LIST} WHERE score_date = ? AND urgency_bucket = ?
            ORDER BY sla_due_at, owner_id, lead_id""",
        [run_date, STALE_BUCKET],
    )
    return ManagerView(needs_owner, stale, True)


# ---------------------------------------------------------------------------------------------
# Each rep's list for the day

# scoring.lead_priority_list as the scoring flow documents it (lead_sla/scoring/tables.py): the
# report needs the key columns and shows the others it finds, with reason_1, reason_2, ... in order.
LIST_KEY_COLUMNS = ("score_date", "owner_id", "priority_rank", "lead_id")
LIST_SHOWN_COLUMNS = ("contact_id", "lead_name", "company_name", "priority_score", "urgency_bucket",
                      "business_minutes_to_due", "sla_due_at", "sla_status", "owner_name")


def _lead_lists(conn: duckdb.DuckDBPyConnection, run_date: date) -> LeadLists:
    columns = _columns(conn, "scoring", "lead_priority_list")
    if columns:
        _require(conn, {PRIORITY_LIST: LIST_KEY_COLUMNS})
        return _scored_lists(conn, run_date, columns)
    return _handoff_lists(conn)


def _scored_lists(conn: duckdb.DuckDBPyConnection, run_date: date, columns: list[str]) -> LeadLists:
    shown = [c for c in LIST_SHOWN_COLUMNS if c in columns]
    reason_columns = sorted((c for c in columns if c.startswith("reason_") and c[len("reason_"):].isdigit()),
                            key=lambda c: int(c[len("reason_"):]))
    rows = _rows(
        conn,
        f"""SELECT {', '.join(['owner_id', 'priority_rank AS rank', 'lead_id', *shown, *reason_columns])}
            FROM {PRIORITY_LIST} WHERE score_date = ? ORDER BY owner_id NULLS LAST, priority_rank""",
        [run_date],
    )
    if "lead_name" not in shown or "company_name" not in shown:
        _add_lead_names(conn, rows)
    for row in rows:
        row["owner_label"] = row.pop("owner_name", None)
        row["score"] = row.pop("priority_score", None)
        row["reasons"] = [str(value) for value in (row.pop(c) for c in reason_columns) if value]
    present = ["rank", "lead_name", "company_name", "reasons"] + (["score"] if "priority_score" in shown else [])
    return LeadLists("scoring", _group_by_owner(rows), present)


def _add_lead_names(conn: duckdb.DuckDBPyConnection, rows: list[Row]) -> None:
    """Names and companies from dim_leads, for a list that does not carry them."""
    ids = sorted({str(r["lead_id"]) for r in rows if r.get("lead_id") is not None})
    known = {
        lead: (name or None, company) for lead, name, company in conn.execute(
            """SELECT lead_id, trim(concat_ws(' ', first_name, last_name)), company_name FROM marts.dim_leads
               WHERE lead_id IN (SELECT unnest(?::VARCHAR[]))""",
            [ids],
        ).fetchall()
    }
    for row in rows:
        name, company = known.get(str(row.get("lead_id")), (None, None))
        row["lead_name"] = row.get("lead_name") or name
        row["company_name"] = row.get("company_name") or company


def _handoff_lists(conn: duckdb.DuckDBPyConnection) -> LeadLists:
    """Without scoring: each rep's handoffs not touched yet (rep view), the ones still savable first
    (pending, soonest due), then open breaches (most recently due first); unassigned ones apart."""
    rows = _rows(
        conn,
        """SELECT s.rep_owner_id AS owner_id, NULL AS owner_label, s.handoff_id, s.contact_id,
                  nullif(trim(concat_ws(' ', l.first_name, l.last_name)), '') AS lead_name, l.company_name,
                  s.priority, s.icp_tier, s.fit_score, s.handed_off_at, s.rep_sla_due_at AS sla_due_at,
                  s.rep_sla_status AS sla_status, s.attempts_in_window
           FROM marts.fct_sales_sla s LEFT JOIN marts.dim_leads l ON l.contact_id = s.contact_id
           WHERE s.first_touch_at IS NULL AND s.outcome = 'open'
             AND s.rep_sla_status IN ('pending', 'open_breach', 'unassigned')
             AND NOT coalesce(l.is_deleted, false)
           ORDER BY s.rep_owner_id NULLS LAST,
                    CASE s.rep_sla_status WHEN 'pending' THEN 0 WHEN 'open_breach' THEN 1 ELSE 2 END,
                    CASE WHEN s.rep_sla_status = 'pending' THEN epoch(s.rep_sla_due_at) ELSE -epoch(s.rep_sla_due_at) END,
                    s.handed_off_at DESC, s.handoff_id""",
    )
    lists = _group_by_owner(rows)
    for rep_list in lists:
        for rank, row in enumerate(rep_list.rows, start=1):
            row["rank"] = rank
            row["reasons"] = _handoff_reasons(row)
    columns = ["rank", "lead_name", "company_name", "priority", "icp_tier", "sla_due_at", "sla_status", "reasons"]
    return LeadLists("handoffs", lists, columns)


def _handoff_reasons(row: Row) -> list[str]:
    reasons = []
    if row["priority"] == "demo_request":
        reasons.append("Requested a demo")
    if row.get("icp_tier"):
        fit = number(row.get("fit_score"))
        reasons.append(f"ICP tier {row['icp_tier']}" + (f", fit {fit:.0f}/100" if fit is not None else ""))
    attempts = int(number(row.get("attempts_in_window")) or 0)
    reasons.append("No attempt yet" if attempts == 0 else f"{attempts} attempt{'s' if attempts != 1 else ''}, no first touch")
    return reasons


def _group_by_owner(rows: list[Row]) -> list[RepList]:
    lists: dict[str | None, list[Row]] = {}
    labels: dict[str | None, str] = {}
    for row in rows:
        owner = row.get("owner_id")
        lists.setdefault(owner, []).append(row)
        if row.get("owner_label"):
            labels[owner] = str(row["owner_label"])
    return [
        RepList(owner, labels.get(owner) or (str(owner) if owner is not None else "Unassigned"), items)
        for owner, items in sorted(lists.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]


# ---------------------------------------------------------------------------------------------
# Content that converts

CONTENT_SHOWN = 5  # pieces at the top and at the bottom
CONTENT_POOLED = "all_closed"
CONTENT_RATES = ("lead", "mql", "win", "first_touch_lead", "first_touch_mql", "first_touch_win")
CONTENT_COLUMNS = (
    "content_kind", "content_id", "content_name", "window_days", "engaged_people", "prospects", "leads_created", "mqls",
    "wins", "first_touch_people", "first_touch_prospects", "first_touch_leads_created", "first_touch_mqls",
    "first_touch_wins", *(f"{rate}_rate{bound}" for rate in CONTENT_RATES for bound in ("", "_lower_95", "_upper_95")),
    "cohort_leads", "leads_touched", "share_of_leads_touched",
)


def _content(conn: duckdb.DuckDBPyConnection) -> ContentConversion:
    """Every piece's pooled closed cohorts; the top pieces are those whose MQL rate is surely highest (the
    highest lower bound of its 95% interval), the bottom ones those whose rate is surely lowest (the lowest
    upper bound), so a piece seen by three people ranks by what three people can show."""
    _require(conn, {"marts.fct_content_conversion": ("cohort", "cohort_month", *CONTENT_COLUMNS)})
    months = [_as_date(m) for (m,) in conn.execute(
        "SELECT DISTINCT cohort_month FROM marts.fct_content_conversion WHERE cohort_month IS NOT NULL ORDER BY 1"
    ).fetchall()]
    pieces = _rows(
        conn,
        f"""SELECT {', '.join(CONTENT_COLUMNS)} FROM marts.fct_content_conversion
            WHERE cohort = ? AND engaged_people > 0
            ORDER BY mql_rate_lower_95 DESC, mql_rate DESC, engaged_people DESC, content_kind, content_id""",
        [CONTENT_POOLED],
    )
    if not pieces:
        return ContentConversion(None, months, [], [], [])
    top = pieces[:CONTENT_SHOWN]
    rest = pieces[CONTENT_SHOWN:]
    bottom = sorted(rest, key=lambda r: (number(r["mql_rate_upper_95"]), number(r["mql_rate"]),
                                         -(number(r["engaged_people"]) or 0), r["content_kind"], r["content_id"]))
    return ContentConversion(int(pieces[0]["window_days"]), months, pieces, top, bottom[:CONTENT_SHOWN])
