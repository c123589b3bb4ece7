"""What the scoring reads from the warehouse, in one place, and the *anchors* it scores.

Scoring reads marts only, each declared as a dependency of the ``lead_scoring`` exposure in
``dbt_project/models/exposures/_exposures.yml`` (so renaming one fails ``dbt parse``, not the
night; a test checks the two lists agree). All are built for day D:

| input | table | why |
|---|---|---|
| open leads, owners, stages, milestone times | ``marts.dim_leads`` | who is scored, and labels (``became_customer_at``) |
| fit as each night knew it, and its rules | ``marts.dim_lead_fit_history``, ``marts.fct_lead_fit_contributions`` | fit on D and at each training anchor (dbt computes the ICP rules; scoring looks the anchor's interval up) |
| behaviour events, named by signal | ``marts.fct_engagement_events`` | engagement (dbt ties events to leads and names their signal; scoring weighs and decays them) |
| handoffs, SLA due times, statuses and urgency | ``marts.fct_sales_sla`` | the order of the lists (``rep_urgency``, ``rep_business_minutes_to_due``); handoff anchors |
| reps' names, zones, active or not | ``marts.dim_reps`` | the CRM tasks ("due 14:30 Europe/Warsaw"); no list for a deactivated rep |

An *anchor* is a (lead, instant) at which a lead is scored with only what was known at that
instant: ``score`` anchors are the open leads at the end of day D; the learned model learns from
``lead`` anchors (each lead at the end of the day it became known: its first nightly score) and
``handoff`` anchors (each handoff to sales, at the instant of the handoff). A day-end anchor is
the day's last instant (:func:`last_instant_of`): what happened at or before it counts. Every
anchor's ``anchor_date`` is the reporting day holding ``anchor_at``, so "known at the anchor" is
"known by a run of that day at that instant", which is what ``dim_lead_fit_history`` and
``fct_engagement_events`` let a query pick. Anchors live in a connection-local temporary table,
:data:`ANCHORS`, that the feature queries join on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from lead_sla.run_day import RunDay

LEADS = "marts.dim_leads"
FIT_HISTORY = "marts.dim_lead_fit_history"
FIT_CONTRIBUTIONS = "marts.fct_lead_fit_contributions"
EVENTS = "marts.fct_engagement_events"
HANDOFFS = "marts.fct_sales_sla"
REPS = "marts.dim_reps"

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    LEADS: ("lead_id", "contact_id", "email", "first_name", "last_name", "company_name", "owner_id",
            "lifecycle_stage", "is_deleted", "first_known_at", "first_known_date", "became_mql_at",
            "became_sql_at", "became_customer_at", "is_open"),
    FIT_HISTORY: ("lead_id", "valid_from", "valid_to", "icp_version", "fit_points", "fit_score", "icp_tier",
                  "profile_completeness"),
    FIT_CONTRIBUTIONS: ("lead_id", "valid_from", "valid_to", "icp_version", "rule_id", "attribute",
                        "attribute_value", "points", "label"),
    EVENTS: ("lead_id", "signal", "event_at", "known_from", "known_on"),
    HANDOFFS: ("handoff_id", "contact_id", "handoff_number", "handed_off_at", "handoff_date", "owner_id",
               "rep_owner_id", "priority", "sla_due_at", "rep_sla_due_at", "sla_status", "rep_sla_status",
               "rep_urgency", "rep_business_minutes_to_due", "is_routing_breach", "outcome", "first_touch_at",
               "evaluated_as_of"),
    REPS: ("owner_id", "name", "timezone", "is_active", "deactivated_at"),
}

ANCHORS = "scoring_anchors"

# Lifecycle stages after which a lead is no longer worked. "Open" is defined in open_lead_anchors.
CLOSED_STAGES = ("customer", "disqualified")


class ScoringInputError(RuntimeError):
    """The warehouse lacks what scoring reads, or holds marts of another day."""


def day_end_utc(day: date, timezone: str) -> datetime:
    """The end of ``day`` in ``timezone`` (its next midnight) as a naive UTC instant: "as of D"."""
    return RunDay(day, timezone).as_of_utc


def last_instant_of(day: date, timezone: str) -> datetime:
    """The last instant (microsecond) of ``day`` in ``timezone``, naive UTC: a day-end anchor.

    Anchors count what happened *at or before* them; the day's end itself (next midnight)
    belongs to the next day, as in the marts (``< as_of``).
    """
    return day_end_utc(day, timezone) - timedelta(microseconds=1)


def day_start_utc(day: date, timezone: str) -> datetime:
    """The start of ``day`` in ``timezone`` as a naive UTC instant."""
    return day_end_utc(day - timedelta(days=1), timezone)


def check_inputs(conn: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`ScoringInputError` naming every table or column scoring needs and cannot find."""
    found: dict[str, set[str]] = {}
    for schema, table, column in conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
    ).fetchall():
        found.setdefault(f"{schema}.{table}", set()).add(column)
    problems = []
    for table, columns in REQUIRED_COLUMNS.items():
        if table not in found:
            problems.append(f"table {table} is missing")
            continue
        missing = [c for c in columns if c not in found[table]]
        if missing:
            problems.append(f"{table} lacks column(s) {', '.join(missing)}")
    if problems:
        raise ScoringInputError("the warehouse cannot be scored: " + "; ".join(problems))


def marts_as_of(conn: duckdb.DuckDBPyConnection) -> datetime | None:
    """The instant the marts were built as of (from ``fct_sales_sla``), or ``None`` without handoffs."""
    # fetchall, not fetchone: a half-read result would block registering frames on the connection
    rows = conn.execute(f"select max(evaluated_as_of) from {HANDOFFS}").fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else None


def require_marts_of_day(conn: duckdb.DuckDBPyConnection, day: date, timezone: str) -> datetime:
    """Check the inputs and that the marts are built as of the end of ``day``; return that instant."""
    check_inputs(conn)
    as_of = day_end_utc(day, timezone)
    built = marts_as_of(conn)
    if built is not None and built != as_of:
        raise ScoringInputError(
            f"the marts are built as of {built} UTC, not as of the end of {day} in {timezone} ({as_of} UTC); "
            f"build {day} first (lead-sla run --date {day})"
        )
    return as_of


def load_anchors(conn: duckdb.DuckDBPyConnection, anchors: pd.DataFrame) -> int:
    """(Re)create the temporary :data:`ANCHORS` table from ``anchors``; return its row count.

    ``anchors`` has ``row_id`` (unique), ``lead_id``, ``anchor_kind``, ``anchor_at`` (naive UTC;
    what is known at or before it counts) and ``anchor_date`` (the reporting day whose ICP
    version judges the anchor).
    """
    frame = anchors[["row_id", "lead_id", "anchor_kind", "anchor_at", "anchor_date"]]
    conn.register("_scoring_anchor_frame", frame)
    try:
        conn.execute(
            f"""
            create or replace temp table {ANCHORS} as
            select cast(row_id as varchar) as row_id, cast(lead_id as varchar) as lead_id,
                   cast(anchor_kind as varchar) as anchor_kind, cast(anchor_at as timestamp) as anchor_at,
                   cast(anchor_date as date) as anchor_date
            from _scoring_anchor_frame
            """
        )
    finally:
        conn.unregister("_scoring_anchor_frame")
    return len(frame)


def open_lead_anchors(conn: duckdb.DuckDBPyConnection, day: date, timezone: str) -> pd.DataFrame:
    """One ``score`` anchor per open lead at the end of ``day``.

    *Open* is ``marts.dim_leads.is_open`` (not deleted in the CRM, never a customer, not currently
    disqualified), known by the end of the day. Leads without a CRM contact (a form e-mail only)
    are open too: marketing can still nurture them, though no rep owns them.
    """
    anchor_at = last_instant_of(day, timezone)
    frame = conn.execute(
        f"""
        select lead_id, cast(lead_id as varchar) as row_id
        from {LEADS}
        where is_open
            and first_known_at <= ?
        order by lead_id
        """,
        [anchor_at],
    ).df()
    frame["anchor_kind"] = "score"
    frame["anchor_at"] = pd.Timestamp(anchor_at)
    frame["anchor_date"] = pd.Timestamp(day)
    return frame


def history_anchors(conn: duckdb.DuckDBPyConnection, timezone: str, horizon_days: int) -> pd.DataFrame:
    """Every ``lead`` and ``handoff`` anchor of the warehouse's history, with its label.

    Label: the lead became a customer after the anchor and within ``horizon_days`` of it (for a
    handoff, also before the lead's next handoff: a later conversion belongs to that one). A
    row's outcome is *known* from ``matures_at`` = anchor + horizon on: only then is a
    non-conversion certain, and waiting as long for conversions too keeps every period's
    conversion rate unbiased. Anchors at which the lead already was a customer are left out.
    """
    leads = conn.execute(
        f"""
        select lead_id, first_known_date, became_customer_at
        from {LEADS}
        where first_known_date is not null
        """
    ).df()
    known_dates = pd.to_datetime(leads["first_known_date"])
    ends = {day: pd.Timestamp(last_instant_of(day.date(), timezone)) for day in known_dates.drop_duplicates()}
    lead_rows = pd.DataFrame(
        {
            "row_id": "lead:" + leads["lead_id"].astype(str),
            "lead_id": leads["lead_id"].astype(str),
            "anchor_kind": "lead",
            "anchor_at": pd.to_datetime(known_dates.map(ends)),
            "anchor_date": known_dates,
            "became_customer_at": pd.to_datetime(leads["became_customer_at"]),
            "next_handoff_at": pd.NaT,
        }
    )
    handoffs = conn.execute(
        f"""
        select
            'handoff:' || s.handoff_id as row_id,
            cast(l.lead_id as varchar) as lead_id,
            'handoff' as anchor_kind,
            s.handed_off_at as anchor_at,
            s.handoff_date as anchor_date,
            l.became_customer_at,
            lead(s.handed_off_at) over (partition by s.contact_id order by s.handed_off_at, s.handoff_id)
                as next_handoff_at
        from {HANDOFFS} as s
        inner join {LEADS} as l
            on l.contact_id = s.contact_id
        """
    ).df()
    rows = pd.concat([lead_rows, handoffs.astype(lead_rows.dtypes.to_dict())], ignore_index=True)
    horizon = pd.Timedelta(days=horizon_days)
    converted_after = rows["became_customer_at"] > rows["anchor_at"]
    already_customer = rows["became_customer_at"].notna() & ~converted_after
    rows = rows.loc[~already_customer].copy()
    within = (rows["became_customer_at"] > rows["anchor_at"]) & (rows["became_customer_at"] <= rows["anchor_at"] + horizon)
    before_next = rows["next_handoff_at"].isna() | (rows["became_customer_at"] < rows["next_handoff_at"])
    rows["label"] = (within & before_next).astype("int64")
    rows["matures_at"] = rows["anchor_at"] + horizon
    return rows.sort_values("row_id", kind="stable").reset_index(drop=True)
