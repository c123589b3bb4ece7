"""Fit (ICP rules in force, profile as known) and engagement (weights, decay, what counts)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from lead_sla.scoring.engagement import HALF_LIFE_DAYS, SIGNAL_BY_NAME, engagement_reason, score_from_points
from lead_sla.scoring.features import score_anchors
from lead_sla.scoring.fit import fit_reason
from lead_sla.scoring.sources import open_lead_anchors
from tests.scoring.builders import TZ, Warehouse, end_of

KNOWN = datetime(2026, 1, 10, 12, 0)


def scores_on(wh: Warehouse, day: date):
    wh.flush()
    return score_anchors(wh.conn, open_lead_anchors(wh.conn, day, TZ))


def fitting_lead(wh: Warehouse, lead_id: str = "L1") -> None:
    wh.add_lead(lead_id, KNOWN)
    for attribute, value in (("industry", "software"), ("company_size", "51-200"), ("country", "US"), ("need", "other")):
        wh.add_profile(lead_id, attribute, value, KNOWN)


@pytest.mark.parametrize(
    ("day", "version", "points", "tier"),
    [
        pytest.param(date(2026, 2, 27), "icp-v1", 25 + 20 + 15, "A", id="v1-judges-february"),
        pytest.param(date(2026, 3, 1), "icp-v2", 20 + 30 + 10, "B", id="v2-judges-from-its-effective-day"),
    ],
)
def test_fit_uses_the_icp_version_in_force_on_the_day(wh, day, version, points, tier):
    fitting_lead(wh)
    scored = scores_on(wh, day)
    row = scored.summary.iloc[0]
    assert (row.icp_version, row.fit_points, row.fit_score, row.icp_tier) == (version, points, float(points), tier)
    contributions = scored.fit_contributions
    assert set(contributions["rule_id"]) == {"industry_core", "size_core", "country_core"}
    assert contributions["points"].sum() == points
    assert set(contributions["icp_version"]) == {version}
    # need is known (but matches no rule), seniority is not: 4 of the 5 ICP attributes are known
    assert row.profile_completeness == pytest.approx(4 / 5)


@pytest.mark.parametrize(
    ("valid_from", "known_on", "replaced_at", "replacement_known_on", "counts"),
    [
        pytest.param(KNOWN, None, None, None, True, id="known-and-current"),
        pytest.param(end_of(date(2026, 2, 27)), None, None, None, False, id="observed-after-the-day"),
        pytest.param(KNOWN, date(2026, 3, 2), None, None, False, id="observed-before-but-exported-after-the-day"),
        pytest.param(KNOWN, None, datetime(2026, 2, 1), date(2026, 2, 1), False, id="replaced-before-the-day"),
        pytest.param(KNOWN, None, datetime(2026, 2, 1), date(2026, 3, 2), True,
                     id="replacement-exported-after-the-day"),
    ],
)
def test_fit_reads_the_profile_as_known_at_the_end_of_the_day(wh, valid_from, known_on, replaced_at,
                                                              replacement_known_on, counts):
    """The profile scoring reads for a day is the one known that day: a value observed earlier but
    exported later is not, and a replacement exported later does not yet replace it."""
    wh.add_lead("L1", KNOWN)
    wh.add_profile("L1", "industry", "software", valid_from, replaced_at, known_on=known_on)
    if replaced_at is not None:
        wh.add_profile("L1", "industry", "retail", replaced_at, known_on=replacement_known_on)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert row.fit_points == (25 if counts else 0)


def test_fit_score_is_capped_at_100_and_the_tier_follows_the_points(conn):
    icp = {"big": (date(2025, 1, 1), None, 90, 50, [
        ("industry_core", "industry", "software", 70, "Industry"),
        ("size_core", "company_size", "51-200", 50, "Size"),
    ])}
    wh = Warehouse(conn, icp=icp)
    wh.add_lead("L1", KNOWN)
    wh.add_profile("L1", "industry", "software", KNOWN)
    wh.add_profile("L1", "company_size", "51-200", KNOWN)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert (row.fit_points, row.fit_score, row.icp_tier) == (120, 100.0, "A")


def test_a_lead_before_any_icp_version_has_no_fit(wh):
    wh.add_lead("L1", datetime(2024, 6, 1))
    wh.add_profile("L1", "industry", "software", datetime(2024, 6, 1))
    row = scores_on(wh, date(2024, 6, 2)).summary.iloc[0]
    assert pd.isna(row.icp_version)
    assert (row.fit_points, row.fit_score) == (0, 0.0)


def test_intent_signals_weigh_more_than_passive_ones(wh):
    day = date(2026, 2, 27)
    at = end_of(day) - timedelta(hours=2)
    events = {
        "demo": lambda lead: wh.add_form(lead, "demo_request", at),
        "pricing": lambda lead: wh.add_session(lead, at, "/pricing"),
        "newsletter": lambda lead: wh.add_form(lead, "newsletter", at),
        "open": lambda lead: wh.add_email_event(lead, "open", at),
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
    wh.add_form("L1", "demo_request", last_instant - timedelta(days=age_days))
    row = scores_on(wh, day).summary.iloc[0]
    assert row.engagement_points == pytest.approx(SIGNAL_BY_NAME["demo_request"].weight * share)


@pytest.mark.parametrize(
    ("event_at", "identified_at", "counts"),
    [
        pytest.param(datetime(2026, 2, 20), datetime(2026, 2, 20), True, id="before-the-day-and-identified"),
        pytest.param(datetime(2026, 2, 28, 1), datetime(2026, 2, 28, 1), False, id="after-the-day"),
        pytest.param(datetime(2026, 2, 20), datetime(2026, 2, 28, 9), False, id="visitor-identified-after-the-day"),
    ],
)
def test_only_behaviour_known_by_the_end_of_the_day_counts(wh, event_at, identified_at, counts):
    wh.add_lead("L1", KNOWN)
    wh.add_session("L1", event_at, "/pricing", visitor="cookie-2", identified_at=identified_at)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert bool(row.engagement_points > 0) is counts


@pytest.mark.parametrize(
    ("known_on", "counts"),
    [
        pytest.param(date(2026, 2, 20), True, id="exported-the-same-day"),
        pytest.param(date(2026, 2, 28), False, id="exported-after-the-day"),
    ],
)
def test_an_event_counts_only_once_its_record_is_known(wh, known_on, counts):
    wh.add_lead("L1", KNOWN)
    wh.add_form("L1", "demo_request", datetime(2026, 2, 20, 9), known_on=known_on)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert bool(row.engagement_points > 0) is counts


@pytest.mark.parametrize(
    ("identified_on", "counts"),
    [
        pytest.param(date(2026, 2, 21), True, id="tie-known-before-the-day"),
        pytest.param(date(2026, 2, 28), False, id="tie-exported-after-the-day"),
    ],
)
def test_a_session_counts_only_once_its_tie_to_the_lead_is_known(wh, identified_on, counts):
    """The visitor was tied to the lead on 02-20 by a form whose record reached the warehouse on
    ``identified_on``: before that day nobody could know the session was the lead's."""
    wh.add_lead("L1", KNOWN)
    wh.add_session("L1", datetime(2026, 2, 20, 9), "/pricing", identified_at=datetime(2026, 2, 20, 10),
                   identified_on=identified_on)
    row = scores_on(wh, date(2026, 2, 27)).summary.iloc[0]
    assert bool(row.engagement_points > 0) is counts


def test_contributions_add_up_to_the_scores(wh):
    fitting_lead(wh)
    day = date(2026, 2, 27)
    wh.add_form("L1", "demo_request", datetime(2026, 2, 26, 9))
    wh.add_session("L1", datetime(2026, 2, 20, 9), "/pricing")
    wh.add_email_event("L1", "click", datetime(2026, 2, 10, 9))
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
