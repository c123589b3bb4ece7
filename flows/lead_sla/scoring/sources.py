"""What the scoring reads from the warehouse, in one place, and the *anchors* it scores.

Inputs (all as built for day D: staging views and intermediate tables of the same build carry
the same as-of instant as the marts):

| input | table | why |
|---|---|---|
| open leads, owners, stages, milestone times | ``marts.dim_leads`` | who is scored, and labels (``became_customer_at``) |
| profile as of any instant | ``marts.dim_lead_profile_history`` | fit on D, and at each training anchor |
| handoffs, SLA due times, statuses and urgency | ``marts.fct_sales_sla`` | the order of the lists (``rep_urgency``, ``rep_business_minutes_to_due``); handoff anchors |
| ICP versions and rules | ``config.icp_versions``, ``config.icp_rules`` | the fit score |
| behaviour: forms, sessions, e-mail clicks/opens | ``staging.stg_marketing__form_submissions``, ``intermediate.int_sessions_attributed``, ``staging.stg_marketing__email_events``, ``intermediate.int_identities_stitched`` | engagement (no mart exposes events per lead yet) |
| reps' names, zones, active or not | ``marts.dim_reps`` | the CRM tasks ("due 14:30 Europe/Warsaw"); no list for a deactivated rep |

An *anchor* is a (lead, instant) at which a lead is scored with only what was known at that
instant: ``score`` anchors are the open leads at the end of day D; the learned model learns from
``lead`` anchors (each lead at the end of the day it became known: its first nightly score) and
``handoff`` anchors (each handoff to sales, at the instant of the handoff). A day-end anchor is
the day's last instant (:func:`last_instant_of`): what happened at or before it counts. Anchors live in a
connection-local temporary table, :data:`ANCHORS`, that the feature queries join on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from lead_sla.run_day import RunDay

LEADS = "marts.dim_leads"
PROFILE_HISTORY = "marts.dim_lead_profile_history"
HANDOFFS = "marts.fct_sales_sla"
ICP_VERSIONS = "config.icp_versions"
ICP_RULES = "config.icp_rules"
IDENTITIES = "intermediate.int_identities_stitched"
SESSIONS = "intermediate.int_sessions_attributed"
FORMS = "staging.stg_marketing__form_submissions"
EMAIL_EVENTS = "staging.stg_marketing__email_events"
REPS = "marts.dim_reps"

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    LEADS: ("lead_id", "contact_id", "email", "first_name", "last_name", "company_name", "owner_id",
            "lifecycle_stage", "is_deleted", "first_known_at", "first_known_date", "became_mql_at",
            "became_sql_at", "became_customer_at", "is_open"),
    PROFILE_HISTORY: ("lead_id", "attribute", "attribute_value", "valid_from", "valid_to", "known_on"),
    HANDOFFS: ("handoff_id", "contact_id", "handoff_number", "handed_off_at", "handoff_date", "owner_id",
               "rep_owner_id", "priority", "sla_due_at", "rep_sla_due_at", "sla_status", "rep_sla_status",
               "rep_urgency", "rep_business_minutes_to_due", "is_routing_breach", "outcome", "first_touch_at",
               "evaluated_as_of"),
    ICP_VERSIONS: ("icp_version", "effective_from", "effective_to", "tier_a_min_points", "tier_b_min_points"),
    ICP_RULES: ("icp_version", "rule_id", "attribute", "attribute_value", "points", "label"),
    IDENTITIES: ("identifier_type", "identifier", "lead_id", "identified_at", "identified_on"),
    SESSIONS: ("visitor_id", "lead_id", "started_at", "landing_page", "known_on"),
    FORMS: ("email", "form_type", "submitted_at", "known_on"),
    EMAIL_EVENTS: ("email", "event_type", "occurred_at", "known_on"),
    REPS: ("owner_id", "name", "timezone", "is_active", "deactivated_at"),
}

ANCHORS = "scoring_anchors"
EVENTS = "scoring_events"

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


def load_events(conn: duckdb.DuckDBPyConnection) -> int:
    """(Re)create the temporary :data:`EVENTS` table: one row per behaviour event of a lead.

    Columns: ``lead_id``, ``signal`` (see :mod:`lead_sla.scoring.engagement`), ``event_at``,
    ``known_from``, the instant the event could first be tied to the lead (its own time, or later
    when the visitor or e-mail was identified later), and ``known_on``, the day both its record and
    the record tying it to the lead had reached the warehouse. An anchor counts an event only when ``event_at`` and ``known_from`` are at or
    before it and ``known_on`` is not after its day, so a session stitched to the lead, or an
    export that arrived, after the anchor does not leak back into it.
    """
    conn.execute(
        f"""
        create or replace temp table {EVENTS} as
        with identities as (
            select identifier_type, identifier, lead_id, identified_at, identified_on
            from {IDENTITIES}
            where lead_id is not null
        ),
        forms as (
            select
                ids.lead_id,
                case forms.form_type
                    when 'demo_request' then 'demo_request'
                    when 'contact_sales' then 'contact_sales'
                    when 'trial' then 'trial'
                    when 'webinar' then 'webinar'
                    when 'content_download' then 'content_download'
                    when 'newsletter' then 'newsletter'
                end as signal,
                forms.submitted_at as event_at,
                greatest(forms.submitted_at, coalesce(ids.identified_at, forms.submitted_at)) as known_from,
                greatest(forms.known_on, coalesce(ids.identified_on, forms.known_on)) as known_on
            from {FORMS} as forms
            inner join identities as ids
                on ids.identifier_type = 'email' and ids.identifier = forms.email
        ),
        sessions as (
            select
                sessions.lead_id,
                case when sessions.landing_page like '%/pricing%' then 'pricing_visit' else 'web_visit' end as signal,
                sessions.started_at as event_at,
                greatest(sessions.started_at, coalesce(ids.identified_at, sessions.started_at)) as known_from,
                greatest(sessions.known_on, coalesce(ids.identified_on, sessions.known_on)) as known_on
            from {SESSIONS} as sessions
            left join identities as ids
                on ids.identifier_type = 'visitor' and ids.identifier = sessions.visitor_id
            where sessions.lead_id is not null
        ),
        emails as (
            select
                ids.lead_id,
                case events.event_type when 'click' then 'email_click' when 'open' then 'email_open' end as signal,
                events.occurred_at as event_at,
                greatest(events.occurred_at, coalesce(ids.identified_at, events.occurred_at)) as known_from,
                greatest(events.known_on, coalesce(ids.identified_on, events.known_on)) as known_on
            from {EMAIL_EVENTS} as events
            inner join identities as ids
                on ids.identifier_type = 'email' and ids.identifier = events.email
            where events.event_type in ('click', 'open')
        )
        select cast(lead_id as varchar) as lead_id, signal, event_at, known_from, cast(known_on as date) as known_on
        from (select * from forms union all select * from sessions union all select * from emails)
        where signal is not null and event_at is not null
        """
    )
    return int(conn.execute(f"select count(*) from {EVENTS}").fetchall()[0][0])
