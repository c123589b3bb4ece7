"""The lists: deadlines in the order of their urgency (as dbt computed it), then score; reasons that match the contributions; deactivated reps' leads on the manager's list."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from lead_sla.scoring.daily import score_day
from lead_sla.scoring.features import ENGAGEMENT_WEIGHT, FIT_WEIGHT
from lead_sla.scoring.priority import (
    DEADLINE_AHEAD,
    DEADLINE_BUCKETS,
    RECENTLY_OVERDUE,
    business_duration,
    sla_reason,
    urgency_bucket,
)
from tests.scoring.builders import TZ, Warehouse

DAY = date(2026, 3, 2)  # a Monday; the list is read on Tuesday 3 March from 09:00 (UTC calendar 09:00-17:00)
KNOWN = datetime(2026, 2, 2, 10, 0)


@pytest.mark.parametrize(
    ("rep_urgency", "bucket", "order"),
    [
        pytest.param("deadline_ahead", "deadline_ahead", 1, id="can-still-be-met"),
        pytest.param("recently_overdue", "recently_overdue", 2, id="just-missed"),
        pytest.param(None, "no_deadline", 3, id="touched-or-never-handed-off"),
        pytest.param("stale", "stale", 4, id="missed-long-ago"),
    ],
)
def test_urgency_buckets_follow_the_deadlines_urgency(rep_urgency, bucket, order):
    result = urgency_bucket(rep_urgency)
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


def owner_with_six_leads(wh: Warehouse) -> None:
    """USR-A owns six open leads; the better the fit, the more time their deadline leaves, and the
    deadline's urgency and business minutes come as fct_sales_sla has them."""
    wh.add_user("USR-A", "Ann Rep", "Europe/Warsaw")
    fits = {
        "due40": (),                                                   # 0 points, due in 40 business minutes
        "overdue": ("country_core",),                                  # 10 points, missed yesterday 15:00
        "due180": ("need_core",),                                      # 25 points, due in 180 minutes
        "due540": ("industry_core", "size_core"),                      # 50 points, due in 540 minutes
        "touched": ("industry_core", "size_core", "need_core"),        # 75, met
        "stale": ("industry_core", "need_core"),                       # 45 points, missed in February
    }
    deadlines = {  # due time, rep_urgency, rep_business_minutes_to_due, status
        "due40": (datetime(2026, 3, 3, 9, 40), "deadline_ahead", 40.0, "pending"),
        "overdue": (datetime(2026, 3, 2, 15, 0), "recently_overdue", -120.0, "open_breach"),
        "due180": (datetime(2026, 3, 3, 12, 0), "deadline_ahead", 180.0, "pending"),
        "due540": (datetime(2026, 3, 4, 10, 0), "deadline_ahead", 540.0, "pending"),
        "touched": (datetime(2026, 3, 2, 11, 0), None, None, "met"),
        "stale": (datetime(2026, 2, 16, 11, 0), "stale", -4800.0, "open_breach"),
    }
    for lead, values in fits.items():
        wh.add_lead(lead, KNOWN, stage="mql", owner="USR-A", first_name=lead.title(), last_name="Doe",
                    mql_at=datetime(2026, 3, 2, 8))
        wh.add_fit(lead, KNOWN, values)
        due, urgency, minutes, status = deadlines[lead]
        wh.add_handoff(f"H-{lead}", lead, datetime(2026, 3, 2, 8), owner="USR-A", due_at=due, status=status,
                       first_touch_at=datetime(2026, 3, 2, 10) if status == "met" else None,
                       urgency=urgency, minutes_to_due=minutes)
    wh.add_event("due180", "demo_request", datetime(2026, 3, 2, 22, 0))
    wh.add_event("due540", "pricing_visit", datetime(2026, 3, 1, 12, 0))
    wh.built_as_of(DAY)


def listed(wh: Warehouse) -> pd.DataFrame:
    score_day(wh.conn, DAY, TZ)
    return wh.conn.execute(
        "select * from scoring.lead_priority_list where score_date = ? order by owner_id, priority_rank", [DAY]
    ).df()


def test_deadlines_that_can_be_met_come_first_then_recent_misses_then_score_then_stale(wh):
    owner_with_six_leads(wh)
    rows = listed(wh).set_index("lead_id")
    assert rows.sort_values("priority_rank").index.tolist() == ["due40", "due180", "due540", "overdue", "touched", "stale"]
    # without the urgency rule the order would be different: the scores run the other way
    assert rows.loc["due540", "priority_score"] > rows.loc["due180", "priority_score"] > rows.loc["due40", "priority_score"]
    assert rows.loc["stale", "priority_score"] > rows.loc["overdue", "priority_score"]
    assert rows["urgency_bucket"].to_dict() == {
        "due40": "deadline_ahead", "overdue": "recently_overdue", "due180": "deadline_ahead", "due540": "deadline_ahead",
        "touched": "no_deadline", "stale": "stale",
    }
    assert rows["business_minutes_to_due"]["due40"] == pytest.approx(40)
    assert pd.isna(rows.loc["touched", "business_minutes_to_due"]) and pd.isna(rows.loc["touched", "sla_due_at"])
    assert rows.loc["due40", "reason_1"] == "SLA due in 40 business minutes"
    assert rows.loc["overdue", "reason_1"] == "SLA overdue by 2 business hours"
    assert rows.loc["stale", "reason_1"] == "SLA overdue since Mon 16 Feb"
    assert rows.loc["due180", "reason_1"] == "SLA due in 3 business hours"
    assert rows.loc["due180", "reason_2"] == "Requested a demo 2 h ago"
    assert rows.loc["due540", "owner_timezone"] == "Europe/Warsaw"


def test_within_deadlines_ahead_the_soonest_goes_first_and_elsewhere_the_better_lead(wh):
    owner_with_six_leads(wh)
    wh.add_lead("due50", KNOWN, stage="mql", owner="USR-A", mql_at=datetime(2026, 3, 2, 8))
    wh.add_fit("due50", KNOWN, ("industry_core",))
    wh.add_handoff("H-due50", "due50", datetime(2026, 3, 2, 8), owner="USR-A", due_at=datetime(2026, 3, 3, 9, 50),
                   urgency="deadline_ahead", minutes_to_due=50.0)
    wh.add_lead("overdue2", KNOWN, stage="mql", owner="USR-A", mql_at=datetime(2026, 3, 2, 8))
    wh.add_fit("overdue2", KNOWN, ("industry_core",))
    wh.add_handoff("H-overdue2", "overdue2", datetime(2026, 3, 2, 8), owner="USR-A", due_at=datetime(2026, 3, 2, 16),
                   status="open_breach", urgency="recently_overdue", minutes_to_due=-60.0)
    wh.built_as_of(DAY)
    order = listed(wh)["lead_id"].tolist()
    assert order[:2] == ["due40", "due50"]  # both due within the hour: the sooner one first, whatever the fit
    assert order[order.index("due540") + 1:order.index("due540") + 3] == ["overdue2", "overdue"]  # better fit first


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
    owner_with_six_leads(wh)
    rows = listed(wh)
    scores = wh.conn.execute("select * from scoring.lead_scores where score_date = ?", [DAY]).df().set_index("lead_id")
    contributions = wh.conn.execute(
        "select * from scoring.lead_score_contributions where score_date = ?", [DAY]).df()
    for row in rows.itertuples():
        reasons = [r for r in (row.reason_1, row.reason_2, row.reason_3) if isinstance(r, str)]
        if row.urgency_bucket in DEADLINE_BUCKETS:
            assert reasons.pop(0).startswith("SLA ")
        mine = contributions[contributions["lead_id"] == row.lead_id]
        score = scores.loc[row.lead_id]
        expected = expected_reasons(mine, int(score["fit_points"]), float(score["fit_score"]))
        assert len(reasons) == min(len(expected), 3 - (row.urgency_bucket in DEADLINE_BUCKETS))
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
    owner_with_six_leads(wh)
    wh.add_lead("nobody", KNOWN)
    wh.built_as_of(DAY)
    score_day(wh.conn, DAY, TZ)
    scored = wh.conn.execute("select lead_id from scoring.lead_scores").df()["lead_id"].tolist()
    listed_ids = wh.conn.execute("select lead_id from scoring.lead_priority_list").df()["lead_id"].tolist()
    assert "nobody" in scored and "nobody" not in listed_ids


def test_a_deactivated_reps_leads_need_an_owner_and_get_no_list(wh):
    """USR-Z left on Friday: no list and no task for USR-Z; their lead still in mql goes to the manager's
    list, after a lead that never had an owner and broke the routing limit."""
    owner_with_six_leads(wh)
    wh.add_user("USR-Z", "Zoe Gone", active=False, deactivated_at=datetime(2026, 2, 27, 17, 30))
    wh.add_lead("orphan", KNOWN, stage="mql", owner="USR-Z", first_name="Olga", last_name="Orphan",
                mql_at=datetime(2026, 2, 25, 8))
    wh.add_fit("orphan", KNOWN, ("industry_core",))
    wh.add_handoff("H-orphan", "orphan", datetime(2026, 2, 25, 8), owner="USR-Z", due_at=datetime(2026, 2, 25, 12),
                   status="met", first_touch_at=datetime(2026, 2, 25, 10))
    wh.add_lead("unrouted", KNOWN, stage="mql", first_name="Una", last_name="Unrouted", mql_at=datetime(2026, 3, 2, 8))
    wh.add_handoff("H-unrouted", "unrouted", datetime(2026, 3, 2, 8), owner=None, due_at=None, status="routing_breach",
                   routing_breach=True)
    wh.add_lead("accepted", KNOWN, stage="sql", owner="USR-Z", mql_at=datetime(2026, 2, 20, 8))
    wh.add_handoff("H-accepted", "accepted", datetime(2026, 2, 20, 8), owner="USR-Z", due_at=datetime(2026, 2, 20, 12),
                   status="met", first_touch_at=datetime(2026, 2, 20, 9), outcome="accepted")
    wh.built_as_of(DAY)
    score_day(wh.conn, DAY, TZ)
    owners = set(wh.conn.execute("select distinct owner_id from scoring.lead_priority_list").df()["owner_id"])
    assert owners == {"USR-A"}
    unowned = wh.conn.execute(
        "select needs_owner_rank, lead_id, last_owner_id, last_owner_name, is_routing_breach, reason "
        "from scoring.leads_needing_owner order by needs_owner_rank").fetchall()
    assert unowned == [
        (1, "unrouted", None, None, True, "No owner since the handoff on Mon 02 Mar 2026"),
        (2, "orphan", "USR-Z", "Zoe Gone", False, "Owner Zoe Gone deactivated on Fri 27 Feb 2026"),
    ]


@pytest.mark.parametrize(
    ("bucket", "minutes", "words"),
    [
        pytest.param(DEADLINE_AHEAD, 40.0, "SLA due in 40 business minutes", id="ahead"),
        pytest.param(DEADLINE_AHEAD, float("nan"), "SLA pending (due beyond the rep's calendar horizon)",
                     id="ahead-beyond-the-calendar"),
        pytest.param(RECENTLY_OVERDUE, -150.0, "SLA overdue by 2.5 business hours", id="overdue"),
    ],
)
def test_sla_reasons_in_words(bucket, minutes, words):
    """A deadline beyond the rep's calendar (a long absence) has no minutes to count: it says so."""
    assert sla_reason(bucket, minutes) == words
