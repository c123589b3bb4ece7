"""The prioritized lead list of each owner: SLA urgency first, then score, with reasons in words.

The urgency rule
----------------
A lead has an *open SLA clock* when its latest handoff has not been touched yet and is
``pending`` or ``open_breach`` for its current owner (the rep view of ``fct_sales_sla`` when
the rep is the owner, the team view when the first owner still is). Its *business minutes to
due* are counted on the owner's business calendar (working hours in the owner's zone, weekends,
holidays and absences skipped; ``intermediate.int_business_intervals_cumulated``) from the end of
the scored day to ``sla_due_at``; negative once past due. (Wall-clock minutes when the owner has
no calendar.) Each lead falls in one bucket:

| order | bucket | rule |
|---|---|---|
| 1 | ``due_within_60`` | open clock, 0 < business minutes to due <= 60: can still be met, only just |
| 2 | ``overdue`` | open clock, due time passed (``open_breach``): call now, but it is late already |
| 3 | ``due_within_240`` | open clock, 60 < minutes <= 240 (half a working day) |
| 4 | ``due_later`` | open clock, more than 240 business minutes left |
| 5 | ``no_open_sla`` | no open clock: touched already, or never handed off |

Within an owner the rank orders by (bucket order, ``priority_score`` high first, ``sla_due_at``
earliest first, ``lead_id``). The bucket always wins: a lead due in 40 business minutes comes
before a better lead due tomorrow. Saving a deadline that can still be met comes before the
overdue ones, whose damage is done; the overdue come before everything with time to spare.

Reasons
-------
Up to three per lead, in order: the SLA when the lead is in bucket 1, 2 or 3 ("SLA due in 40
business minutes"); then the largest contributions to the combined score, each ICP rule counted
at ``0.6 x points`` and each engagement signal at ``0.4 x its share of the engagement score``
("Requested a demo 2 h ago", "Industry: software (+25)").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from lead_sla.scoring.engagement import engagement_reason
from lead_sla.scoring.features import ENGAGEMENT_WEIGHT, FIT_WEIGHT
from lead_sla.scoring.fit import fit_reason
from lead_sla.scoring.sources import ANCHORS, BUSINESS_INTERVALS, HANDOFFS, LEADS, USERS

REASONS_PER_LEAD = 3
BUSINESS_DAY_MINUTES = 480


@dataclass(frozen=True)
class UrgencyBucket:
    name: str
    order: int
    max_business_minutes: float | None  # upper bound of the bucket (inclusive), for the due_* buckets


DUE_WITHIN_60 = UrgencyBucket("due_within_60", 1, 60.0)
OVERDUE = UrgencyBucket("overdue", 2, None)
DUE_WITHIN_240 = UrgencyBucket("due_within_240", 3, 240.0)
DUE_LATER = UrgencyBucket("due_later", 4, None)
NO_OPEN_SLA = UrgencyBucket("no_open_sla", 5, None)
URGENCY_BUCKETS = (DUE_WITHIN_60, OVERDUE, DUE_WITHIN_240, DUE_LATER, NO_OPEN_SLA)
URGENCY_BY_NAME = {bucket.name: bucket for bucket in URGENCY_BUCKETS}
URGENT_BUCKETS = {DUE_WITHIN_60.name, OVERDUE.name, DUE_WITHIN_240.name}


def urgency_bucket(has_open_clock: bool, business_minutes_to_due: float | None) -> UrgencyBucket:
    """The bucket of a lead (see the module docstring)."""
    if not has_open_clock:
        return NO_OPEN_SLA
    if business_minutes_to_due is None or pd.isna(business_minutes_to_due) or business_minutes_to_due <= 0:
        return OVERDUE
    if business_minutes_to_due <= DUE_WITHIN_60.max_business_minutes:  # type: ignore[operator]
        return DUE_WITHIN_60
    if business_minutes_to_due <= DUE_WITHIN_240.max_business_minutes:  # type: ignore[operator]
        return DUE_WITHIN_240
    return DUE_LATER


_CLOCKS_SQL = f"""
with latest as (
    select *
    from {HANDOFFS}
    qualify row_number() over (
        partition by contact_id order by handoff_number desc, handed_off_at desc, handoff_id desc
    ) = 1
),
owned as (
    select leads.lead_id, leads.contact_id, leads.owner_id
    from {LEADS} as leads
    inner join {ANCHORS} as anchors
        on anchors.lead_id = leads.lead_id
    where leads.owner_id is not null
),
calendars as (
    select distinct calendar_id from {BUSINESS_INTERVALS}
)
select
    owned.lead_id,
    owned.owner_id,
    latest.handoff_id,
    case
        when latest.rep_owner_id = owned.owner_id then latest.rep_sla_due_at
        when latest.owner_id = owned.owner_id then latest.sla_due_at
    end as sla_due_at,
    case when latest.rep_owner_id = owned.owner_id then latest.rep_sla_status else latest.sla_status end
        as sla_status,
    latest.first_touch_at,
    case
        when owned.owner_id in (select calendar_id from calendars) then owned.owner_id
        when 'default' in (select calendar_id from calendars) then 'default'
    end as calendar_id
from owned
left join latest
    on latest.contact_id = owned.contact_id
order by owned.lead_id
"""

_POSITIONS_SQL = f"""
select
    points.lead_id,
    points.point,
    case
        when points.calendar_id is null then null
        when intervals.calendar_id is null then 0
        when date_diff('second', intervals.interval_start_at, points.at) >= intervals.work_seconds
            then intervals.cumulative_seconds_after
        else intervals.cumulative_seconds_before + date_diff('second', intervals.interval_start_at, points.at)
    end as position_seconds
from _scoring_clock_points as points
asof left join {BUSINESS_INTERVALS} as intervals
    on intervals.calendar_id = points.calendar_id
    and points.at >= intervals.interval_start_at
"""


def sla_clocks(conn: duckdb.DuckDBPyConnection, as_of: datetime) -> pd.DataFrame:
    """Per owned lead among the anchors: its latest handoff's clock and business minutes to due.

    Columns: ``lead_id, owner_id, handoff_id, sla_due_at, sla_status, has_open_clock,
    business_minutes_to_due`` (null without an open clock).
    """
    clocks = conn.execute(_CLOCKS_SQL).df()
    clocks["has_open_clock"] = (
        clocks["handoff_id"].notna()
        & clocks["first_touch_at"].isna()
        & clocks["sla_due_at"].notna()
        & clocks["sla_status"].isin(["pending", "open_breach"])
    )
    open_clocks = clocks[clocks["has_open_clock"]]
    points = pd.concat(
        [
            pd.DataFrame({"lead_id": open_clocks["lead_id"], "calendar_id": open_clocks["calendar_id"],
                          "point": "due", "at": open_clocks["sla_due_at"]}),
            pd.DataFrame({"lead_id": open_clocks["lead_id"], "calendar_id": open_clocks["calendar_id"],
                          "point": "now", "at": pd.Timestamp(as_of)}),
        ],
        ignore_index=True,
    )
    points["at"] = pd.to_datetime(points["at"])
    conn.register("_scoring_clock_points", points)
    try:
        positions = conn.execute(_POSITIONS_SQL).df()
    finally:
        conn.unregister("_scoring_clock_points")
    wide = positions.pivot_table(index="lead_id", columns="point", values="position_seconds", aggfunc="first")
    wide = wide.reindex(columns=["due", "now"])
    business = ((wide["due"] - wide["now"]) / 60.0).rename("business_minutes_to_due").reset_index()
    clocks = clocks.merge(business, on="lead_id", how="left")
    wall = (pd.to_datetime(clocks["sla_due_at"]) - pd.Timestamp(as_of)).dt.total_seconds() / 60.0
    clocks["business_minutes_to_due"] = clocks["business_minutes_to_due"].astype("float64").fillna(wall)
    clocks.loc[~clocks["has_open_clock"], "business_minutes_to_due"] = float("nan")
    return clocks[["lead_id", "owner_id", "handoff_id", "sla_due_at", "sla_status", "has_open_clock",
                   "business_minutes_to_due"]]


def owners(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Owner names and zones (latest CRM user versions): ``owner_id, owner_name, owner_timezone``."""
    frame = conn.execute(
        f"select owner_id, name as owner_name, timezone as owner_timezone from {USERS} where is_latest order by owner_id"
    ).df()
    return frame.drop_duplicates("owner_id", keep="first")


def business_duration(minutes: float) -> str:
    """``40 business minutes``, ``3.5 business hours``."""
    whole = int(round(abs(minutes)))
    if whole < 120:
        return f"{whole} business minute{'s' if whole != 1 else ''}"
    hours = f"{whole / 60:.1f}".rstrip("0").rstrip(".")
    return f"{hours} business hours"


def sla_reason(bucket: UrgencyBucket, business_minutes_to_due: float, sla_due_at: datetime | None = None,
               timezone: str | None = None) -> str:
    """The SLA in words: ``SLA due in 40 business minutes``, ``SLA overdue by 2 business hours``.

    Past a whole business day (480 business minutes) overdue, the due day reads better than a
    count: ``SLA overdue since Mon 27 Jul`` (in the owner's zone when given).
    """
    if bucket is OVERDUE:
        if pd.isna(business_minutes_to_due) or abs(business_minutes_to_due) < 1:
            return "SLA overdue"
        if abs(business_minutes_to_due) >= BUSINESS_DAY_MINUTES and sla_due_at is not None and not pd.isna(sla_due_at):
            local = to_local(sla_due_at, timezone)
            return f"SLA overdue since {local:%a} {local.day} {local:%b}"
        return f"SLA overdue by {business_duration(business_minutes_to_due)}"
    return f"SLA due in {business_duration(business_minutes_to_due)}"


def to_local(instant_utc: datetime, timezone: str | None) -> datetime:
    """A naive UTC instant in ``timezone`` (UTC when unknown)."""
    zone = ZoneInfo(timezone) if isinstance(timezone, str) and timezone else ZoneInfo("UTC")
    return pd.Timestamp(instant_utc).to_pydatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def ranked_reasons(
    fit_rules: pd.DataFrame,
    signals: pd.DataFrame,
    *,
    fit_points: int,
    fit_score: float,
    as_of: datetime,
) -> list[tuple[float, str]]:
    """Every contribution of one lead as ``(weight in combined-score points, words)``, largest first.

    ``fit_rules`` are the lead's fit contributions (``rule_id, attribute, attribute_value, points``),
    ``signals`` its engagement contributions (``signal, events, score_points, last_event_at``).
    A capped fit (points above 100) scales each rule down in proportion.
    """
    scale = (fit_score / fit_points) if fit_points > 0 else 0.0
    items: list[tuple[float, int, str, str]] = []
    for rule in fit_rules.itertuples(index=False):
        weight = FIT_WEIGHT * float(rule.points) * scale
        items.append((weight, 0, str(rule.rule_id), fit_reason(rule.attribute, rule.attribute_value, rule.points)))
    for signal in signals.itertuples(index=False):
        weight = ENGAGEMENT_WEIGHT * float(signal.score_points)
        items.append((weight, 1, str(signal.signal),
                      engagement_reason(signal.signal, int(signal.events), signal.last_event_at, as_of)))
    items.sort(key=lambda item: (-round(item[0], 9), item[1], item[2]))
    return [(weight, words) for weight, _, _, words in items if weight > 0]


def build_priority_list(
    scores: pd.DataFrame,
    clocks: pd.DataFrame,
    fit_contributions: pd.DataFrame,
    engagement_contributions: pd.DataFrame,
    owner_table: pd.DataFrame,
    *,
    as_of: datetime,
) -> pd.DataFrame:
    """Rank each owner's open leads and attach due times and reasons.

    ``scores`` has one row per open lead (``lead_id, contact_id, lead_name, email,
    company_name, lifecycle_stage, fit_points, fit_score, icp_tier, engagement_score, p_convert,
    priority_score, score_basis``);
    ``clocks`` is :func:`sla_clocks`; the contributions are keyed by ``lead_id``. Leads without
    an owner are not on any list. Returns the columns of ``scoring.lead_priority_list`` but
    ``score_date``.
    """
    frame = clocks.merge(scores.drop(columns=["owner_id"], errors="ignore"), on="lead_id", how="inner",
                         validate="one_to_one")
    buckets = [urgency_bucket(bool(open_), minutes)
               for open_, minutes in zip(frame["has_open_clock"], frame["business_minutes_to_due"])]
    frame["urgency_bucket"] = [bucket.name for bucket in buckets]
    frame["urgency_order"] = [bucket.order for bucket in buckets]
    frame["_due_sort"] = pd.to_datetime(frame["sla_due_at"]).fillna(pd.Timestamp.max)
    frame = frame.sort_values(
        ["owner_id", "urgency_order", "priority_score", "_due_sort", "lead_id"],
        ascending=[True, True, False, True, True],
        kind="stable",
    ).reset_index(drop=True)
    frame["priority_rank"] = frame.groupby("owner_id").cumcount() + 1
    frame.loc[~frame["has_open_clock"].astype(bool), "sla_due_at"] = pd.NaT
    frame = frame.merge(owner_table, on="owner_id", how="left")

    fit_by_lead = {lead: rows for lead, rows in fit_contributions.groupby("lead_id", sort=False)}
    signals_by_lead = {lead: rows for lead, rows in engagement_contributions.groupby("lead_id", sort=False)}
    empty_fit = fit_contributions.iloc[0:0]
    empty_signals = engagement_contributions.iloc[0:0]
    reasons: list[list[str | None]] = []
    for row, bucket in zip(frame.itertuples(index=False), [URGENCY_BY_NAME[name] for name in frame["urgency_bucket"]]):
        words: list[str] = []
        if bucket.name in URGENT_BUCKETS:
            words.append(sla_reason(bucket, row.business_minutes_to_due, row.sla_due_at, row.owner_timezone))
        ranked = ranked_reasons(
            fit_by_lead.get(row.lead_id, empty_fit),
            signals_by_lead.get(row.lead_id, empty_signals),
            fit_points=int(row.fit_points),
            fit_score=float(row.fit_score),
            as_of=as_of,
        )
        words += [text for _, text in ranked]
        words = words[:REASONS_PER_LEAD]
        reasons.append(words + [None] * (REASONS_PER_LEAD - len(words)))
    frame["reason_1"] = [r[0] for r in reasons]
    frame["reason_2"] = [r[1] for r in reasons]
    frame["reason_3"] = [r[2] for r in reasons]
    return frame[[
        "owner_id", "priority_rank", "lead_id", "contact_id", "lead_name", "email", "company_name",
        "lifecycle_stage", "priority_score", "score_basis", "fit_score", "icp_tier", "engagement_score", "p_convert",
        "urgency_bucket", "urgency_order",
        "business_minutes_to_due", "sla_due_at", "sla_status", "handoff_id", "reason_1", "reason_2", "reason_3",
        "owner_name", "owner_timezone",
    ]]
