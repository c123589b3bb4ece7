"""Engagement: what a lead did recently, weighted by intent and decayed with time, 0 to 100.

Every behaviour event of the lead known at the anchor (``marts.fct_engagement_events``, where dbt
ties events to leads and names their signal: at or before the anchor, already tied to the lead by
then, and exported by the anchor's day) adds its signal's weight times ``0.5 ** (age_days / HALF_LIFE_DAYS)``. The sum, in
*engagement points*, maps onto 0–100 with ``100 * (1 - exp(-points / SATURATION_POINTS))``: a
demo request made just now (40 points) gives 63, the same request two weeks ago 39, a newsletter
open today 2.5. Events older than ``LOOKBACK_DAYS`` are ignored (their weight is below 0.02 %).

| signal | weight | event |
|---|---|---|
| demo_request | 40 | a demo-request form |
| contact_sales | 30 | a contact-sales form |
| trial | 25 | a trial sign-up form |
| pricing_visit | 15 | a web session that landed on the pricing page |
| webinar | 10 | a webinar registration form |
| email_click | 8 | a click in a marketing e-mail |
| content_download | 6 | a content-download form |
| newsletter | 3 | a newsletter sign-up form |
| web_visit | 2 | any other web session |
| email_open | 1 | an opened marketing e-mail |

Each signal's share of the score (``score_points``, which sum to the score) is its contribution,
and the source of the reasons on the lead lists ("Requested a demo 2 h ago").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from lead_sla.scoring.inputs import ANCHORS, EVENTS

HALF_LIFE_DAYS = 14.0
SATURATION_POINTS = 40.0
LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Signal:
    """One kind of behaviour, its weight, and how a reason names it."""

    name: str
    weight: float
    words: str


SIGNALS: tuple[Signal, ...] = (
    Signal("demo_request", 40.0, "Requested a demo"),
    Signal("contact_sales", 30.0, "Asked sales to get in touch"),
    Signal("trial", 25.0, "Started a trial"),
    Signal("pricing_visit", 15.0, "Visited the pricing page"),
    Signal("webinar", 10.0, "Signed up for a webinar"),
    Signal("email_click", 8.0, "Clicked a marketing e-mail"),
    Signal("content_download", 6.0, "Downloaded content"),
    Signal("newsletter", 3.0, "Subscribed to the newsletter"),
    Signal("web_visit", 2.0, "Visited the website"),
    Signal("email_open", 1.0, "Opened a marketing e-mail"),
)
SIGNAL_BY_NAME = {signal.name: signal for signal in SIGNALS}

SIGNALS_SQL = f"""
select
    anchors.row_id,
    events.signal,
    count(*) as events,
    -- summed in a fixed order (oldest event first): a parallel sum's order, and so its last
    -- digits, would change from run to run
    list_sum(list(
        pow(0.5, date_diff('second', events.event_at, anchors.anchor_at) / ({HALF_LIFE_DAYS} * 86400.0))
        order by events.event_at
    )) as decayed_events,
    max(events.event_at) as last_event_at
from {ANCHORS} as anchors
inner join {EVENTS} as events
    on events.lead_id = anchors.lead_id
    and events.event_at <= anchors.anchor_at
    and events.known_from <= anchors.anchor_at
    and (events.known_on is null or events.known_on <= anchors.anchor_date)
    and events.event_at > anchors.anchor_at - to_days({LOOKBACK_DAYS})
group by anchors.row_id, events.signal
order by anchors.row_id, events.signal
"""


def signals_for_anchors(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per anchor and signal: ``events`` counted, ``decayed_events`` (each weighted by its age) and ``last_event_at``.

    Needs the temporary anchors table (:func:`~lead_sla.scoring.inputs.load_anchors`). Anchors
    without any event have no row.
    """
    return conn.execute(SIGNALS_SQL).df()


def engagement_scores(signals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn per-signal decayed counts into scores and contributions.

    Returns ``(summary, contributions)``: ``summary`` per anchor with an event (``row_id,
    engagement_points, engagement_score``); ``contributions`` per anchor and signal (``row_id,
    signal, events, decayed_events, points, score_points, last_event_at``), ordered by
    ``score_points`` descending. Anchors absent from ``signals`` score 0.
    """
    frame = signals.copy()
    frame = frame[frame["signal"].isin(SIGNAL_BY_NAME)]
    frame["points"] = frame["signal"].map(lambda name: SIGNAL_BY_NAME[name].weight) * frame["decayed_events"]
    totals = frame.groupby("row_id", sort=True)["points"].sum().rename("engagement_points").reset_index()
    totals["engagement_score"] = totals["engagement_points"].map(score_from_points)
    frame = frame.merge(totals, on="row_id", how="left")
    share = (frame["points"] / frame["engagement_points"]).where(frame["engagement_points"] > 0, 0.0)
    frame["score_points"] = frame["engagement_score"] * share
    contributions = frame[["row_id", "signal", "events", "decayed_events", "points", "score_points", "last_event_at"]]
    contributions = contributions.sort_values(["row_id", "score_points", "signal"], ascending=[True, False, True],
                                              kind="stable").reset_index(drop=True)
    return totals, contributions


def score_from_points(points: float) -> float:
    """Engagement points onto 0–100 (saturating: more of the same counts less and less)."""
    return 100.0 * (1.0 - math.exp(-max(0.0, float(points)) / SATURATION_POINTS))


def ago(then: datetime, now: datetime) -> str:
    """How long before ``now`` ``then`` was, in the coarsest unit that stays exact enough."""
    seconds = max(0.0, (pd.Timestamp(now) - pd.Timestamp(then)).total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def engagement_reason(signal: str, events: int, last_event_at: datetime, as_of: datetime) -> str:
    """Plain words for one signal: ``Requested a demo 2 h ago``, ``Visited the pricing page 3 times, last 2 d ago``."""
    words = SIGNAL_BY_NAME[signal].words
    when = ago(last_event_at, as_of)
    if int(events) > 1:
        return f"{words} {int(events)} times, last {when}"
    return f"{words} {when}"
