"""The prioritized lead list of each rep: SLA urgency first, then score, with reasons in words.

The order rule
--------------
The deadlines come from ``marts.fct_sales_sla`` (rep view): a lead has an *open deadline* for its
rep when its latest handoff is untouched and the rep it is held to is the lead's current owner;
``rep_urgency`` says where that deadline stands at the end of the scored day, on the rep's
business calendar (the rule and its number of days are the agreement's, ``config/sla.yml``
``priority_list``). Each lead falls in one bucket:

| order | bucket | rule | within the bucket |
|---|---|---|---|
| 1 | ``deadline_ahead`` | an open deadline that can still be met | soonest due first |
| 2 | ``recently_overdue`` | an open deadline missed within the last few business days | score, high first |
| 3 | ``no_deadline`` | no open deadline: touched already, or never handed off | score, high first |
| 4 | ``stale`` | an open deadline missed longer ago: listed last, and shown to the manager | score, high first |

Saving a deadline that can still be met comes first; a deadline just missed still beats leads
without one; a lead overdue for weeks no longer pushes fresh work down the list.

Leads whose owner is deactivated (or who have none) are on no rep's list: they need an owner, and
the manager's list ``scoring.leads_needing_owner`` ranks them.

Reasons
-------
Up to three per lead, in order: the deadline when there is one ("SLA due in 40 business
minutes", "SLA overdue since Mon 27 Jul"); then the largest contributions to the combined score,
each ICP rule counted at ``0.6 x points`` and each engagement signal at ``0.4 x its share of the
engagement score`` ("Requested a demo 2 h ago", "Industry: software (+25)").
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
from lead_sla.scoring.inputs import ANCHORS, HANDOFFS, LEADS, REPS

REASONS_PER_LEAD = 3
BUSINESS_DAY_MINUTES = 480


@dataclass(frozen=True)
class UrgencyBucket:
    name: str
    order: int


DEADLINE_AHEAD = UrgencyBucket("deadline_ahead", 1)
RECENTLY_OVERDUE = UrgencyBucket("recently_overdue", 2)
NO_DEADLINE = UrgencyBucket("no_deadline", 3)
STALE = UrgencyBucket("stale", 4)
URGENCY_BUCKETS = (DEADLINE_AHEAD, RECENTLY_OVERDUE, NO_DEADLINE, STALE)
URGENCY_BY_NAME = {bucket.name: bucket for bucket in URGENCY_BUCKETS}
DEADLINE_BUCKETS = {DEADLINE_AHEAD.name, RECENTLY_OVERDUE.name, STALE.name}


def urgency_bucket(rep_urgency: str | None) -> UrgencyBucket:
    """The bucket of a lead from its deadline's ``rep_urgency`` (null: no open deadline)."""
    if rep_urgency is None or (not isinstance(rep_urgency, str) and pd.isna(rep_urgency)):
        return NO_DEADLINE
    return URGENCY_BY_NAME[rep_urgency]


_DEADLINES_SQL = f"""
with latest as (
    select *
    from {HANDOFFS}
    qualify row_number() over (
        partition by contact_id order by handoff_number desc, handed_off_at desc, handoff_id desc
    ) = 1
)
select
    leads.lead_id,
    leads.owner_id,
    latest.handoff_id,
    coalesce(reps.is_active, true) as is_owner_active,
    case when latest.rep_owner_id = leads.owner_id then latest.rep_urgency end as rep_urgency,
    case when latest.rep_owner_id = leads.owner_id and latest.rep_urgency is not null
        then latest.rep_sla_due_at end as sla_due_at,
    case when latest.rep_owner_id = leads.owner_id and latest.rep_urgency is not null
        then latest.rep_business_minutes_to_due end as business_minutes_to_due,
    case when latest.rep_owner_id = leads.owner_id then latest.rep_sla_status else latest.sla_status end
        as sla_status
from {LEADS} as leads
inner join {ANCHORS} as anchors
    on anchors.lead_id = leads.lead_id
left join {REPS} as reps
    on reps.owner_id = leads.owner_id
left join latest
    on latest.contact_id = leads.contact_id
where leads.owner_id is not null
order by leads.lead_id
"""


def sla_clocks(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per owned lead among the anchors: its deadline for its owner, as ``marts.fct_sales_sla`` has it.

    Columns: ``lead_id, owner_id, handoff_id, is_owner_active, rep_urgency, sla_due_at,
    business_minutes_to_due, sla_status`` (the deadline columns null without an open deadline).
    """
    return conn.execute(_DEADLINES_SQL).df()


_UNOWNED_SQL = f"""
with latest as (
    select *
    from {HANDOFFS}
    qualify row_number() over (
        partition by contact_id order by handoff_number desc, handed_off_at desc, handoff_id desc
    ) = 1
)
select
    leads.lead_id,
    leads.owner_id as last_owner_id,
    reps.name as last_owner_name,
    reps.deactivated_at as owner_deactivated_at,
    latest.handoff_id,
    latest.handed_off_at,
    latest.is_routing_breach
from {LEADS} as leads
inner join {ANCHORS} as anchors
    on anchors.lead_id = leads.lead_id
inner join latest
    on latest.contact_id = leads.contact_id
left join {REPS} as reps
    on reps.owner_id = leads.owner_id
where latest.outcome = 'open'
    and (leads.owner_id is null or not coalesce(reps.is_active, true))
order by leads.lead_id
"""


def needs_owner_list(conn: duckdb.DuckDBPyConnection, scores: pd.DataFrame) -> pd.DataFrame:
    """The manager's list: handed-off leads still in mql whose owner is deactivated or missing,
    routing breaches first, then by score. Returns the columns of ``scoring.leads_needing_owner``
    but ``score_date``; ``scores`` as for :func:`build_priority_list`."""
    unowned = conn.execute(_UNOWNED_SQL).df()
    frame = unowned.merge(scores[["lead_id", "contact_id", "lead_name", "email", "company_name", "priority_score"]],
                          on="lead_id", how="inner", validate="one_to_one")
    frame["is_routing_breach"] = frame["is_routing_breach"].fillna(False).astype(bool)
    frame = frame.sort_values(["is_routing_breach", "priority_score", "lead_id"], ascending=[False, False, True],
                              kind="stable").reset_index(drop=True)
    frame["needs_owner_rank"] = range(1, len(frame) + 1)
    frame["reason"] = [
        (f"Owner {name or owner} deactivated on {pd.Timestamp(when):%a %d %b %Y}" if isinstance(owner, str)
         else f"No owner since the handoff on {pd.Timestamp(handed):%a %d %b %Y}")
        for owner, name, when, handed in zip(frame["last_owner_id"], frame["last_owner_name"],
                                             frame["owner_deactivated_at"], frame["handed_off_at"])
    ]
    return frame[[
        "needs_owner_rank", "lead_id", "contact_id", "lead_name", "email", "company_name", "last_owner_id",
        "last_owner_name", "owner_deactivated_at", "handoff_id", "handed_off_at", "is_routing_breach",
        "priority_score", "reason",
    ]]


def owners(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Owner names and zones (``marts.dim_reps``): ``owner_id, owner_name, owner_timezone``."""
    return conn.execute(
        f"select owner_id, name as owner_name, timezone as owner_timezone from {REPS} order by owner_id"
    ).df()


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
    if bucket is not DEADLINE_AHEAD:
        if pd.isna(business_minutes_to_due) or abs(business_minutes_to_due) < 1:
            return "SLA overdue"
        if abs(business_minutes_to_due) >= BUSINESS_DAY_MINUTES and sla_due_at is not None and not pd.isna(sla_due_at):
            local = to_local(sla_due_at, timezone)
            return f"SLA overdue since {local:%a} {local.day} {local:%b}"
        return f"SLA overdue by {business_duration(business_minutes_to_due)}"
    if pd.isna(business_minutes_to_due):
        # the deadline lies past the rep's calendar horizon (say, a long absence): no count to give
        return "SLA pending (due beyond the rep's calendar horizon)"
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
    """Rank each active owner's open leads and attach due times and reasons.

    ``scores`` has one row per open lead (``lead_id, contact_id, lead_name, email,
    company_name, lifecycle_stage, fit_points, fit_score, icp_tier, engagement_score, p_convert,
    priority_score, score_basis``);
    ``clocks`` is :func:`sla_clocks`; the contributions are keyed by ``lead_id``. Leads without
    an owner, or whose owner is deactivated, are on no list. Returns the columns of
    ``scoring.lead_priority_list`` but ``score_date``.
    """
    active = clocks[clocks["is_owner_active"].astype(bool)]
    frame = active.merge(scores.drop(columns=["owner_id"], errors="ignore"), on="lead_id", how="inner",
                         validate="one_to_one")
    buckets = [urgency_bucket(value) for value in frame["rep_urgency"]]
    frame["urgency_bucket"] = [bucket.name for bucket in buckets]
    frame["urgency_order"] = [bucket.order for bucket in buckets]
    due = pd.to_datetime(frame["sla_due_at"])
    # within "deadline ahead" the soonest due first; in every other bucket the best score first
    frame["_within"] = [
        (d.value if order == DEADLINE_AHEAD.order else -float(score))
        for d, order, score in zip(due.fillna(pd.Timestamp.max), frame["urgency_order"], frame["priority_score"])
    ]
    frame["_due_sort"] = due.fillna(pd.Timestamp.max)
    frame = frame.sort_values(
        ["owner_id", "urgency_order", "_within", "_due_sort", "lead_id"],
        kind="stable",
    ).reset_index(drop=True)
    frame["priority_rank"] = frame.groupby("owner_id").cumcount() + 1
    frame = frame.merge(owner_table, on="owner_id", how="left")

    fit_by_lead = {lead: rows for lead, rows in fit_contributions.groupby("lead_id", sort=False)}
    signals_by_lead = {lead: rows for lead, rows in engagement_contributions.groupby("lead_id", sort=False)}
    empty_fit = fit_contributions.iloc[0:0]
    empty_signals = engagement_contributions.iloc[0:0]
    reasons: list[list[str | None]] = []
    for row, bucket in zip(frame.itertuples(index=False), [URGENCY_BY_NAME[name] for name in frame["urgency_bucket"]]):
        words: list[str] = []
        if bucket.name in DEADLINE_BUCKETS:
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
