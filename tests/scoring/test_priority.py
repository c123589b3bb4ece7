"""The lists: urgency buckets by business minutes to due, then score; reasons that match the contributions."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import pytest

from lead_sla.scoring.daily import score_day
from lead_sla.scoring.features import ENGAGEMENT_WEIGHT, FIT_WEIGHT
from lead_sla.scoring.priority import business_duration, urgency_bucket
from tests.scoring.builders import TZ, Warehouse

DAY = date(2026, 3, 2)  # a Monday; the list is read on Tuesday 3 March from 09:00 (UTC calendar 09:00-17:00)
KNOWN = datetime(2026, 2, 2, 10, 0)


@pytest.mark.parametrize(
    ("open_clock", "minutes", "bucket", "order"),
    [
        pytest.param(True, 40.0, "due_within_60", 1, id="about-to-breach"),
        pytest.param(True, 60.0, "due_within_60", 1, id="sixty-is-within-sixty"),
        pytest.param(True, -120.0, "overdue", 2, id="past-due"),
        pytest.param(True, 0.0, "overdue", 2, id="due-now"),
        pytest.param(True, 61.0, "due_within_240", 3, id="half-a-day"),
        pytest.param(True, 240.0, "due_within_240", 3, id="two-forty-is-within"),
        pytest.param(True, 600.0, "due_later", 4, id="time-to-spare"),
        pytest.param(False, None, "no_open_sla", 5, id="touched-or-never-handed-off"),
    ],
)
def test_urgency_buckets(open_clock, minutes, bucket, order):
    result = urgency_bucket(open_clock, minutes)
    assert (result.name, result.order) == (bucket, order)


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        pytest.param(40, "40 business minutes", id="minutes"),
        pytest.param(1, "1 business minute", id="one-minute"),
        pytest.param(210, "3.5 business hours", id="hours"),
        pytest.param(-180, "3 business hours", id="overdue-counts-the-same"),
    ],
)
def test_business_durations_in_words(minutes, words):
    assert business_duration(minutes) == words


def owner_with_five_leads(wh: Warehouse) -> None:
    """USR-A owns five open leads; the better the fit, the more time their SLA leaves."""
    wh.add_user("USR-A", "Ann Rep", "Europe/Warsaw")
    wh.add_calendar("USR-A", date(2026, 2, 23), date(2026, 3, 13))
    fits = {
        "due40": [("industry", "retail")],                                     # 0 points, due in 40 business minutes
        "overdue": [("country", "US")],                                          # 10 points, due yesterday 15:00
        "due180": [("need", "lead_routing")],                                   # 25 points, due in 180 minutes
        "due540": [("industry", "software"), ("company_size", "51-200")],       # 50 points, due in 540 minutes
        "touched": [("industry", "software"), ("company_size", "51-200"), ("need", "lead_routing")],  # 75, met
    }
    due = {
        "due40": datetime(2026, 3, 3, 9, 40),
        "overdue": datetime(2026, 3, 2, 15, 0),
        "due180": datetime(2026, 3, 3, 12, 0),
        "due540": datetime(2026, 3, 4, 10, 0),
        "touched": datetime(2026, 3, 2, 11, 0),
    }
    for lead, values in fits.items():
        wh.add_lead(lead, KNOWN, stage="mql", owner="USR-A", first_name=lead.title(), last_name="Doe",
                    mql_at=datetime(2026, 3, 2, 8))
        for attribute, value in values:
            wh.add_profile(lead, attribute, value, KNOWN)
        touched = lead == "touched"
        wh.add_handoff(f"H-{lead}", lead, datetime(2026, 3, 2, 8), owner="USR-A", due_at=due[lead],
                       status="met" if touched else ("open_breach" if lead == "overdue" else "pending"),
                       first_touch_at=datetime(2026, 3, 2, 10) if touched else None)
    wh.add_form("due180", "demo_request", datetime(2026, 3, 2, 22, 0))
    wh.add_session("due540", datetime(2026, 3, 1, 12, 0), "/pricing")
    wh.built_as_of(DAY)


def listed(wh: Warehouse) -> pd.DataFrame:
    score_day(wh.conn, DAY, TZ)
    return wh.conn.execute(
        "select * from scoring.lead_priority_list where score_date = ? order by owner_id, priority_rank", [DAY]
    ).df()


def test_a_lead_about_to_breach_goes_before_better_leads_with_time_to_spare(wh):
    owner_with_five_leads(wh)
    rows = listed(wh).set_index("lead_id")
    assert rows.sort_values("priority_rank").index.tolist() == ["due40", "overdue", "due180", "due540", "touched"]
    # without the urgency rule the order would be different: the scores run the other way
    assert rows.loc["due540", "priority_score"] > rows.loc["due180", "priority_score"] > rows.loc["due40", "priority_score"]
    minutes = rows["business_minutes_to_due"]
    assert minutes["due40"] == pytest.approx(40)      # the night does not count: 09:00 to 09:40
    assert minutes["due180"] == pytest.approx(180)
    assert minutes["due540"] == pytest.approx(480 + 60)  # a full working day, then 09:00 to 10:00
    assert minutes["overdue"] == pytest.approx(-120)  # 15:00 to 17:00 on Monday
    assert pd.isna(minutes["touched"]) and pd.isna(rows.loc["touched", "sla_due_at"])
    assert rows["urgency_bucket"].to_dict() == {
        "due40": "due_within_60", "overdue": "overdue", "due180": "due_within_240", "due540": "due_later",
        "touched": "no_open_sla",
    }
    assert rows.loc["due40", "reason_1"] == "SLA due in 40 business minutes"
    assert rows.loc["overdue", "reason_1"] == "SLA overdue by 2 business hours"
    assert rows.loc["due180", "reason_1"] == "SLA due in 3 business hours"
    assert rows.loc["due180", "reason_2"] == "Requested a demo 2 h ago"
    assert rows.loc["due540", "owner_timezone"] == "Europe/Warsaw"


def test_within_a_bucket_the_better_lead_goes_first(wh):
    owner_with_five_leads(wh)
    wh.add_lead("due50", KNOWN, stage="mql", owner="USR-A", mql_at=datetime(2026, 3, 2, 8))
    wh.add_profile("due50", "industry", "software", KNOWN)
    wh.add_handoff("H-due50", "due50", datetime(2026, 3, 2, 8), owner="USR-A", due_at=datetime(2026, 3, 3, 9, 50))
    wh.built_as_of(DAY)
    order = listed(wh)["lead_id"].tolist()
    assert order[:2] == ["due50", "due40"]  # both due within the hour; due50 fits better


def expected_reasons(contributions: pd.DataFrame, fit_points: int, fit_score: float) -> list[str]:
    """Reasons recomputed from the contribution table: weights in combined-score points, largest first."""
    words = {
        "industry": "Industry", "company_size": "Company size", "need": "Need", "country": "Country",
        "seniority": "Seniority", "annual_revenue": "Annual revenue",
    }
    items = []
    for row in contributions.itertuples():
        if row.component == "fit":
            weight = FIT_WEIGHT * row.points * (fit_score / fit_points)
            items.append((-weight, 0, row.item, f"{words[row.attribute]}: {row.attribute_value.replace('_', ' ')} (+{int(row.points)})"))
        else:
            items.append((-ENGAGEMENT_WEIGHT * row.points, 1, row.item, row.item))
    return [text for *_, text in sorted(items)]


def test_reasons_agree_with_the_contributions(wh):
    owner_with_five_leads(wh)
    rows = listed(wh)
    scores = wh.conn.execute("select * from scoring.lead_scores where score_date = ?", [DAY]).df().set_index("lead_id")
    contributions = wh.conn.execute(
        "select * from scoring.lead_score_contributions where score_date = ?", [DAY]).df()
    for row in rows.itertuples():
        reasons = [r for r in (row.reason_1, row.reason_2, row.reason_3) if isinstance(r, str)]
        if row.urgency_bucket in ("due_within_60", "overdue", "due_within_240"):
            assert reasons.pop(0).startswith("SLA ")
        mine = contributions[contributions["lead_id"] == row.lead_id]
        score = scores.loc[row.lead_id]
        expected = expected_reasons(mine, int(score["fit_points"]), float(score["fit_score"]))
        assert len(reasons) == min(len(expected), 3 - (row.urgency_bucket in ("due_within_60", "overdue", "due_within_240")))
        for got, want in zip(reasons, expected):
            if want in SIGNAL_NAMES:  # engagement: the words start with the signal's phrase
                assert got.startswith(SIGNAL_NAMES[want]), (row.lead_id, got, want)
            else:
                assert got == want, (row.lead_id, got, want)
        # every fit reason names a rule the lead matched, with its points
        fit_rules = mine[mine["component"] == "fit"]
        for got in reasons:
            if got.endswith(")") and "(+" in got:
                points = int(got.rsplit("(+", 1)[1].rstrip(")"))
                assert points in fit_rules["points"].astype(int).tolist()
        assert score["fit_points"] == fit_rules["points"].sum()


SIGNAL_NAMES = {
    "demo_request": "Requested a demo", "pricing_visit": "Visited the pricing page", "web_visit": "Visited the website",
    "newsletter": "Subscribed to the newsletter", "email_click": "Clicked a marketing e-mail",
    "email_open": "Opened a marketing e-mail", "contact_sales": "Asked sales to get in touch",
    "trial": "Started a trial", "webinar": "Signed up for a webinar", "content_download": "Downloaded content",
}


def test_leads_without_an_owner_are_scored_but_not_listed(wh):
    owner_with_five_leads(wh)
    wh.add_lead("nobody", KNOWN)
    wh.built_as_of(DAY)
    score_day(wh.conn, DAY, TZ)
    scored = wh.conn.execute("select lead_id from scoring.lead_scores").df()["lead_id"].tolist()
    listed_ids = wh.conn.execute("select lead_id from scoring.lead_priority_list").df()["lead_id"].tolist()
    assert "nobody" in scored and "nobody" not in listed_ids


def test_a_lead_with_a_night_handoff_waits_for_the_next_opening(wh):
    """A clock due at Tuesday 09:30 counts 30 business minutes from the end of Monday, not 9.5 hours."""
    wh.add_user("USR-A", "Ann Rep", "UTC")
    wh.add_calendar("USR-A", date(2026, 2, 23), date(2026, 3, 13), opens=time(9), closes=time(17))
    wh.add_lead("night", KNOWN, stage="mql", owner="USR-A", mql_at=datetime(2026, 3, 2, 23))
    wh.add_handoff("H-night", "night", datetime(2026, 3, 2, 23), owner="USR-A", due_at=datetime(2026, 3, 3, 9, 30))
    wh.built_as_of(DAY)
    row = listed(wh).iloc[0]
    assert row["business_minutes_to_due"] == pytest.approx(30)
    assert row["urgency_bucket"] == "due_within_60"
    assert row["sla_due_at"] == pd.Timestamp(datetime(2026, 3, 3, 9, 30))
