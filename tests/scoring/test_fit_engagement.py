"""Fit (the interval of dbt's fit that holds the anchor) and engagement (weights, decay, what counts).

How the fit is computed (the ICP version in force, the profile as each night knew it, the cap and
the tiers) and how an event is tied to a lead and named are the dbt models' rules, tested by their
unit tests (``int_lead_profiles_as_known``, ``int_lead_fit_rules_matched``,
``int_lead_fit_timelines``, ``fct_engagement_events``); here the marts are given.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from lead_sla.scoring.engagement import HALF_LIFE_DAYS, SIGNAL_BY_NAME, engagement_reason, score_from_points
from lead_sla.scoring.features import score_anchors
from lead_sla.scoring.fit import fit_reason
from lead_sla.scoring.inputs import open_lead_anchors
from tests.scoring.builders import TZ, Warehouse, end_of

KNOWN = datetime(2026, 1, 10, 12, 0)


def scores_on(wh: Warehouse, day: date):
    wh.flush()
    return score_anchors(wh.conn, open_lead_anchors(wh.conn, day, TZ))


def fitting_lead(wh: Warehouse, lead_id: str = "L1") -> None:
    wh.add_lead(lead_id, KNOWN)
    # industry, size, country and need known (need matches no rule): 4 of the 5 ICP attributes
    wh.add_fit(lead_id, KNOWN, ("industry_core", "size_core", "country_core"), known=4, tier="A")


@pytest.mark.parametrize(
    ("day", "version", "points"),
    [
        pytest.param(date(2026, 2, 27), "icp-v1", 25 + 20 + 15, id="v1-interval-holds-february"),
        pytest.param(date(2026, 3, 1), "icp-v2", 20 + 30 + 10, id="v2-interval-from-its-effective-day"),
    ],
)
def test_fit_is_the_interval_holding_the_anchor(wh, day, version, points):
    fitting_lead(wh)
    scored = scores_on(wh, day)
    row = scored.summary.iloc[0]
    assert (row.icp_version, row.fit_points, row.fit_score, row.icp_tier) == (version, points, float(points), "A")
    contributions = scored.fit_contributions
    assert set(contributions["rule_id"]) == {"industry_core", "size_core", "country_core"}
    assert contributions["points"].sum() == points
    assert set(contributions["icp_version"]) == {version}
    assert contributions["points"].tolist() == sorted(contributions["points"], reverse=True)
    assert row.profile_completeness == pytest.approx(4 / 5)


@pytest.mark.parametrize(
    ("valid_to", "counts"),
    [
        pytest.param(None, True, id="current"),
        pytest.param(end_of(date(2026, 2, 27)), True, id="ends-at-the-days-end"),
        pytest.param(end_of(date(2026, 2, 27)) - timedelta(microseconds=1), False, id="ends-at-the-last-instant"),
        pytest.param(datetime(2026, 2, 1), False, id="ended-before-the-day"),
    ],
)
def test_an_anchor_takes_the_interval_that_holds_its_instant(wh, valid_to, counts):
    """Intervals are [valid_from, valid_to): the day-end anchor (the day's last instant) is inside an
    interval that ends at the next midnight, not inside one that ends at that last instant."""
    wh.add_lead("L1", KNOWN)
    wh.add_fit("L1", KNOWN, ("industry_core",), valid_to=valid_to)
    if valid_to is not None:
        wh.add_fit("L1", valid_to, ())
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert row.fit_points == (25 if counts else 0)


def test_a_lead_before_any_fit_interval_has_no_fit(wh):
    wh.add_lead("L1", datetime(2024, 6, 1))
    row = scores_on(wh, date(2024, 6, 2)).summary.iloc[0]
    assert pd.isna(row.icp_version) and pd.isna(row.icp_tier)
    assert (row.fit_points, row.fit_score, row.profile_completeness) == (0, 0.0, 0.0)


def test_intent_signals_weigh_more_than_passive_ones(wh):
    day = date(2026, 2, 27)
    at = end_of(day) - timedelta(hours=2)
    events = {
        "demo": lambda lead: wh.add_event(lead, "demo_request", at),
        "pricing": lambda lead: wh.add_event(lead, "pricing_visit", at),
        "newsletter": lambda lead: wh.add_event(lead, "newsletter", at),
        "open": lambda lead: wh.add_event(lead, "email_open", at),
    }
    for lead, add in events.items():
        wh.add_lead(lead, KNOWN)
        add(lead)
    summary = scores_on(wh, day).summary.set_index("lead_id")
    order = summary["engagement_score"].sort_values(ascending=False).index.tolist()
    assert order == ["demo", "pricing", "newsletter", "open"]
    assert summary.loc["demo", "engagement_score"] == pytest.approx(
        score_from_points(40 * 0.5 ** ((2 / 24) / HALF_LIFE_DAYS)))


@pytest.mark.parametrize(
    ("age_days", "share"),
    [
        pytest.param(0, 1.0, id="now"),
        pytest.param(HALF_LIFE_DAYS, 0.5, id="one-half-life"),
        pytest.param(2 * HALF_LIFE_DAYS, 0.25, id="two-half-lives"),
    ],
)
def test_engagement_halves_every_half_life(wh, age_days, share):
    day = date(2026, 2, 27)
    wh.add_lead("L1", KNOWN)
    last_instant = end_of(day) - timedelta(microseconds=1)
    wh.add_event("L1", "demo_request", last_instant - timedelta(days=age_days))
    row = scores_on(wh, day).summary.iloc[0]
    assert row.engagement_points == pytest.approx(SIGNAL_BY_NAME["demo_request"].weight * share)


@pytest.mark.parametrize(
    ("event_at", "known_from", "known_on", "counts"),
    [
        pytest.param(datetime(2026, 2, 20), None, None, True, id="before-the-day-and-tied"),
        pytest.param(datetime(2026, 2, 28, 1), None, None, False, id="after-the-day"),
        pytest.param(datetime(2026, 2, 20), datetime(2026, 2, 28, 9), None, False, id="tied-to-the-lead-after-the-day"),
        pytest.param(datetime(2026, 2, 20), None, date(2026, 2, 28), False, id="exported-after-the-day"),
        pytest.param(datetime(2026, 2, 20), datetime(2026, 2, 27, 23), date(2026, 2, 27), True,
                     id="tied-and-exported-on-the-day"),
    ],
)
def test_only_behaviour_known_by_the_end_of_the_day_counts(wh, event_at, known_from, known_on, counts):
    wh.add_lead("L1", KNOWN)
    wh.add_event("L1", "pricing_visit", event_at, known_from=known_from, known_on=known_on)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert bool(row.engagement_points > 0) is counts


def test_contributions_add_up_to_the_scores(wh):
    fitting_lead(wh)
    day = date(2026, 2, 27)
    wh.add_event("L1", "demo_request", datetime(2026, 2, 26, 9))
    wh.add_event("L1", "pricing_visit", datetime(2026, 2, 20, 9))
    wh.add_event("L1", "email_click", datetime(2026, 2, 10, 9))
    scored = scores_on(wh, day)
    row = scored.summary.iloc[0]
    engagement = scored.engagement_contributions
    assert engagement["points"].sum() == pytest.approx(row.engagement_points)
    assert engagement["score_points"].sum() == pytest.approx(row.engagement_score)
    assert engagement["signal"].tolist() == ["demo_request", "pricing_visit", "email_click"]
    assert row.combined_score == pytest.approx(0.6 * row.fit_score + 0.4 * row.engagement_score)


@pytest.mark.parametrize(
    ("signal", "events", "hours_ago", "words"),
    [
        pytest.param("demo_request", 1, 2, "Requested a demo 2 h ago", id="hours"),
        pytest.param("pricing_visit", 3, 50, "Visited the pricing page 3 times, last 2 d ago", id="days-repeated"),
        pytest.param("email_click", 1, 0.5, "Clicked a marketing e-mail 30 min ago", id="minutes"),
    ],
)
def test_engagement_reasons_in_plain_words(signal, events, hours_ago, words):
    now = datetime(2026, 3, 1)
    assert engagement_reason(signal, events, now - timedelta(hours=hours_ago), now) == words


def test_fit_reasons_name_the_attribute_value_and_points():
    assert fit_reason("industry", "software", 25) == "Industry: software (+25)"
    assert fit_reason("need", "lead_routing", 20) == "Need: lead routing (+20)"
