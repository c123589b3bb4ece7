"""The report in a real headless Chromium: it renders without errors, the numbers it shows equal the
published marts (queried here independently), it makes no network request, and it lays out at a
desktop and a phone width. A full-page screenshot of each is saved for a human to look at."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from lead_sla.report import build_report
from lead_sla.report.data import BREACH_WEEKS, TRAILING_DAYS
from tests.report.conftest import PublishedDemo
from tests.support.browser import BrowserPaths, ChromeDriver, Session

pytestmark = pytest.mark.slow

READ_METRICS = """
const out = {};
document.querySelectorAll('[data-metric]').forEach(e => { out[e.dataset.metric] = e.dataset.value; });
return out;
"""


@pytest.fixture(scope="module")
def page(browser: BrowserPaths, report: Path) -> Iterator[Session]:
    """The report opened in Chromium at a desktop width (one browser for the module)."""
    with ChromeDriver.start(browser) as driver, driver.session(width=1280, height=1000) as session:
        assert session.open(report) == "complete"
        yield session


@pytest.fixture(scope="module")
def shown(page: Session) -> dict[str, str]:
    """Every data-metric of the rendered page with its data-value, read in the browser."""
    return page.execute(READ_METRICS)


def test_the_page_renders_without_errors(page: Session, published: PublishedDemo) -> None:
    assert page.execute("return document.readyState") == "complete"
    assert page.page_errors() == []
    assert page.execute("return document.title") == f"Lead SLA report — {published.run_date.isoformat()}"
    sections = page.execute("return [...document.querySelectorAll('section.panel')].map(s => [s.id, s.getBoundingClientRect().height])")
    assert [name for name, _ in sections] == ["summary", "marketing", "response", "breaches", "funnel", "content", "icp",
                                             "next-question", "followup",
                                             "restated", "quarantine", "manager", "lists"]
    assert all(height > 80 for _, height in sections)
    charts = page.execute(
        """return [...document.querySelectorAll('svg.chart')].map(c => ({id: c.id, role: c.getAttribute('role'),
             title: c.querySelector('title') && c.querySelector('title').textContent,
             width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height,
             texts: c.querySelectorAll('text').length}))"""
    )
    assert len(charts) >= 7
    for chart in charts:
        assert chart["role"] == "img" and chart["title"], chart
        assert chart["width"] > 300 and chart["height"] > 60, chart
        assert chart["texts"] >= 5, f"{chart['id']} has axis labels and values as text"
    assert page.execute("return [...document.querySelectorAll('table')].every(t => t.caption && t.caption.textContent.trim())")


def _marketing(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    rows = demo.query(
        """select segment, mqls_delivered, mql_target, mql_attainment, pace_attainment, projected_mqls
           from marts.fct_marketing_sla where month_start = date_trunc('month', cast(? as date))""", [demo.run_date])
    assert rows
    delivered = sum(r[1] for r in rows)
    target = sum(r[2] for r in rows if r[2] is not None)
    return ([(f"marketing.{s}.mqls_delivered", d) for s, d, *_ in rows]
            + [(f"marketing.{s}.mql_target", t) for s, _, t, *_ in rows]
            + [("marketing.total.mqls_delivered", delivered), ("kpi.mqls_delivered", delivered),
               ("marketing.total.mql_target", target), ("kpi.mql_target", target)])


def _attainment(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    rows = demo.query(
        """select segment, mql_attainment, pace_attainment, projected_attainment, mqls_delivered, mql_target
           from marts.fct_marketing_sla where month_start = date_trunc('month', cast(? as date))""", [demo.run_date])
    total = sum(r[4] for r in rows) / sum(r[5] for r in rows if r[5] is not None)
    return ([(f"marketing.{s}.mql_attainment", a) for s, a, *_ in rows]
            + [(f"marketing.{s}.pace_attainment", p) for s, _, p, *_ in rows]
            + [(f"marketing.{s}.projected_attainment", p) for s, _, _, p, *_ in rows]
            + [("marketing.total.mql_attainment", total), ("kpi.mql_attainment", total)])


def _window(demo: PublishedDemo, days: int) -> tuple[date, date]:
    return demo.run_date - timedelta(days=days - 1), demo.run_date


def _breaches_per_rep(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    start, end = _window(demo, TRAILING_DAYS)
    rows = demo.query(
        """select owner_id, sum(handoffs_breached), sum(handoffs_due), sum(handoffs_met_by_due)
           from marts.fct_sales_sla_daily where activity_date between ? and ? group by 1""", [start, end])
    assert any(r[1] for r in rows), "the demo has breaches to show"
    pairs: list[tuple[str, float | None]] = []
    for owner, breached, due, met in rows:
        pairs += [(f"sales.rep.{owner}.handoffs_breached", breached), (f"sales.rep.{owner}.handoffs_due", due),
                  (f"sales.rep.{owner}.sla_attainment", met / due if due else None)]
    pairs.append(("sales.rep.total.handoffs_breached", sum(r[1] for r in rows)))
    return pairs


def _breaches_over_time(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    start, end = _window(demo, BREACH_WEEKS * 7)
    rows = demo.query(
        """select owner_id, floor(datediff('day', cast(? as date), activity_date) / 7) as week, sum(handoffs_breached)
           from marts.fct_sales_sla_daily where activity_date between ? and ? group by all""", [start, start, end])
    return [(f"sales.breaches.{owner}.{(start + timedelta(days=7 * int(week))).isoformat()}", breached)
            for owner, week, breached in rows]


def _open_breaches_and_lists(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    rows = demo.query(
        """select rep_owner_id, count(*) from marts.fct_sales_sla
           where rep_sla_status = 'open_breach' and outcome = 'open' and rep_owner_id is not null group by 1""")
    scored = demo.query(
        "select count(*) from information_schema.tables where table_schema = 'scoring' and table_name = 'lead_priority_list'")[0][0]
    if scored:  # the scoring flow's lists, when the nightly run publishes them
        lists = demo.query("""select owner_id, count(*) from scoring.lead_priority_list where score_date = ? group by 1""",
                           [demo.run_date])
    else:  # else each rep's untouched open handoffs
        lists = demo.query(
            """select coalesce(s.rep_owner_id, 'unassigned'), count(*) from marts.fct_sales_sla s
               left join marts.dim_leads l on l.contact_id = s.contact_id
               where s.first_touch_at is null and s.outcome = 'open' and not coalesce(l.is_deleted, false)
                 and s.rep_sla_status in ('pending', 'open_breach', 'unassigned') group by 1""")
    return ([(f"sales.rep.{o}.open_breaches", n) for o, n in rows] + [("kpi.open_breaches", sum(n for _, n in rows))]
            + [(f"lists.{o}.count", n) for o, n in lists] + [("lists.total", sum(n for _, n in lists))])


def _funnel(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    start, end = _window(demo, TRAILING_DAYS)
    columns = ("sessions", "new_leads", "mqls", "sqls", "opportunities", "won_deals", "won_amount")
    rows = demo.query(
        f"""select channel, {', '.join(f'sum({c})' for c in columns)}, sum(cohort_mqls), sum(cohort_leads)
            from marts.fct_lead_funnel_daily where report_date between ? and ? group by 1""", [start, end])
    assert len(rows) >= 3
    pairs = [(f"funnel.{row[0]}.{c}", v) for row in rows for c, v in zip(columns, row[1:])]
    # the rate shown is the cohort's: of the leads created in the period, the share that became an MQL
    pairs += [(f"funnel.{row[0]}.lead_to_mql_rate", row[-2] / row[-1] if row[-1] else None) for row in rows]
    pairs += [(f"funnel.total.{c}", sum(r[i + 1] for r in rows)) for i, c in enumerate(columns)]
    return pairs


def _icp_win_rates(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    rows = demo.query(
        """select icp_version, attribute, attribute_value, win_rate, leads, wins, win_rate_lower_95, win_rate_upper_95
           from marts.fct_icp_evidence""")
    assert rows
    pairs: list[tuple[str, float | None]] = []
    for version, attribute, value, rate, leads, wins, low, high in rows:
        key = f"icp.{version}.{attribute}.{value}"
        pairs += [(f"{key}.win_rate", rate), (f"{key}.leads", leads), (f"{key}.wins", wins),
                  (f"{key}.win_rate_lower_95", low), (f"{key}.win_rate_upper_95", high)]
    return pairs


def _speed_to_lead(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    """First response on the wall clock beside business time, by weekday and hour of the handoff in the
    reporting zone: handoffs of the period (not excluded), touched, and the two medians."""
    start, end = _window(demo, TRAILING_DAYS)
    zone = demo.settings.reporting_timezone
    pairs: list[tuple[str, float | None]] = []
    for name, part in (("weekday", "isodow"), ("hour", "hour")):
        rows = demo.query(
            f"""select {part}(handed_off_at at time zone 'UTC' at time zone ?) as k, count(*), count(first_touch_at),
                       median(response_business_minutes), median(response_minutes)
                from marts.fct_sales_sla where handoff_date between ? and ? and sla_status <> 'excluded'
                group by 1""", [zone, start, end])
        assert rows
        for key, handoffs, touched, business, wall in rows:
            prefix = f"response.{name}.{int(key)}"
            pairs += [(f"{prefix}.handoffs", handoffs), (f"{prefix}.touched", touched),
                      (f"{prefix}.median_business_minutes", business), (f"{prefix}.median_wall_minutes", wall)]
    return pairs


def _followup_cohorts(demo: PublishedDemo) -> list[tuple[str, float | None]]:
    """How many closed months the follow-up evidence pools (the 30-day demo has none: its only month is
    still inside its outcome window, and the section says so)."""
    rows = demo.query(
        """select count(distinct cohort_month) from marts.fct_followup_evidence
           where sla_version = (select max(sla_version) from marts.fct_followup_evidence where cohort = 'all_closed')""")
    return [("followup.cohorts", rows[0][0])]


# The latest handoff of each lead that the day scored (its open leads), with the lead's current owner
# and whether that owner is active: the marts' side of the manager's view, written here in plain SQL.
LATEST_HANDOFF_OF_EACH_SCORED_LEAD = """
    with latest as (
        select * from marts.fct_sales_sla
        qualify row_number() over (
            partition by contact_id order by handoff_number desc, handed_off_at desc, handoff_id desc) = 1
    )
    select leads.lead_id, leads.owner_id, reps.is_active, latest.outcome, latest.rep_owner_id, latest.rep_urgency
    from marts.dim_leads as leads
    inner join latest on latest.contact_id = leads.contact_id
    left join marts.dim_reps as reps on reps.owner_id = leads.owner_id
    where leads.lead_id in (select lead_id from scoring.lead_scores where score_date = ?)
"""


def _manager_needs_owner(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """The count, and each rank's lead, of scoring.leads_needing_owner; that list is checked against the
    marts first: the open handoffs whose lead has no owner or a deactivated one (the demo has a leaver,
    USR-005, and an unrouted lead; with none the count shown must be 0)."""
    rows = demo.query("""select needs_owner_rank, lead_id from scoring.leads_needing_owner where score_date = ?
                         order by needs_owner_rank""", [demo.run_date])
    latest = demo.query(LATEST_HANDOFF_OF_EACH_SCORED_LEAD, [demo.run_date])
    from_marts = {lead for lead, owner, active, outcome, *_ in latest
                  if outcome == "open" and (owner is None or active is False)}
    assert {lead for _, lead in rows} == from_marts, "scoring.leads_needing_owner disagrees with the marts"
    assert [rank for rank, _ in rows] == list(range(1, len(rows) + 1))
    return ([("manager.needs_owner.count", len(from_marts))]
            + [(f"manager.needs_owner.{rank}.rank", rank) for rank, _ in rows]
            + [(f"manager.needs_owner.{rank}.lead", lead) for rank, lead in rows])


def _manager_stale(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """The count, and each rep's stale leads by their rank on the rep's list; the stale rows of
    scoring.lead_priority_list are checked against the marts first: the untouched deadlines that
    fct_sales_sla calls stale, held to the lead's current owner while that owner is active (the demo has
    one; with none the count shown must be 0)."""
    rows = demo.query("""select owner_id, priority_rank, lead_id from scoring.lead_priority_list
                         where score_date = ? and urgency_bucket = 'stale'""", [demo.run_date])
    latest = demo.query(LATEST_HANDOFF_OF_EACH_SCORED_LEAD, [demo.run_date])
    from_marts = {(owner, lead) for lead, owner, active, _, rep_owner, urgency in latest
                  if urgency == "stale" and owner is not None and rep_owner == owner and active is not False}
    assert {(owner, lead) for owner, _, lead in rows} == from_marts, "the lists' stale rows disagree with the marts"
    return ([("manager.stale.count", len(from_marts))]
            + [(f"manager.stale.{owner}.{rank}", lead) for owner, rank, lead in rows])


def _quarantine(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """The night's quarantine per stream, from the pipeline's own warehouse (the batches the night's run
    landed), with the verdict its bounds give: above the warning share a warning, below 20 rows not judged."""
    import duckdb

    conn = duckdb.connect(str(demo.settings.warehouse), read_only=True)
    try:
        rows = conn.execute(
            """select stream, sum(rows_read - coalesce(rows_filtered, 0)), sum(rows_quarantined) from raw._batches
               where started_at >= (select max(started_at) from ops.runs) group by 1""").fetchall()
    finally:
        conn.close()
    assert rows and sum(r[1] for r in rows) > 0, "the night extracted the demo's exports"
    warning = demo.settings.quarantine_warning_share
    pairs: list[tuple[str, float | str | None]] = [("quarantine.total.rows_quarantined", sum(r[2] for r in rows)),
                                                   ("kpi.rows_quarantined", sum(r[2] for r in rows))]
    for stream, read, bad in rows:
        share = bad / read if read >= 20 else None
        verdict = "not_judged" if share is None else "warning" if share > warning else "ok"
        pairs += [(f"quarantine.{stream}.rows_read", read), (f"quarantine.{stream}.rows_quarantined", bad),
                  (f"quarantine.{stream}.quarantined_share", share), (f"quarantine.{stream}.verdict", verdict)]
    return pairs


def _attainment_per_team_and_rep(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """The weekly on-time share per team and rep over the report day's calendar week and the 7 before it,
    added up here from the daily fact (met by due over due) with the reps' teams."""
    first = demo.run_date - timedelta(days=demo.run_date.weekday() + 7 * 7)
    rows = demo.query(
        """select cast(date_trunc('week', d.activity_date) as date), d.owner_id, coalesce(r.team, 'unknown'),
                  sum(d.handoffs_due), sum(d.handoffs_met_by_due)
           from marts.fct_sales_sla_daily d left join marts.dim_reps r on r.owner_id = d.owner_id
           where d.activity_date between ? and ? group by all""", [first, demo.run_date])
    assert any(r[3] for r in rows), "deadlines fell in the weeks shown"
    pairs: list[tuple[str, float | str | None]] = []
    teams: dict[tuple[str, str], list[int]] = {}
    for week, owner, team, due, met in rows:
        pairs += [(f"attainment.rep.{owner}.{week.isoformat()}.on_time_share", met / due if due else None),
                  (f"attainment.rep.{owner}.{week.isoformat()}.handoffs_due", due)]
        for key in ((team, week.isoformat()), (team, "all")):
            sums = teams.setdefault(key, [0, 0])
            sums[0], sums[1] = sums[0] + due, sums[1] + met
    pairs += [(f"attainment.team.{team}.{week}.on_time_share", met / due if due else None)
              for (team, week), (due, met) in teams.items()]
    pairs += [(f"attainment.team.{team}.{week}.handoffs_due", due) for (team, week), (due, _) in teams.items()]
    return pairs


def _open_breaches_by_age_and_routing(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """Open breaches by age and those past the agreement's untouched point (with its action), as
    fct_sales_sla ages them; routing breaches, unassigned handoffs and the attempts cadence of the 28 days."""
    start, end = _window(demo, TRAILING_DAYS)
    ages = dict(demo.query("""select open_breach_age, count(*) from marts.fct_sales_sla
                              where rep_sla_status = 'open_breach' and outcome = 'open' group by 1"""))
    assert sum(ages.values()) > 0, "the demo has open breaches"
    past = demo.query("""select s.handoff_id, s.untouched_action, l.lead_id from marts.fct_sales_sla s
                         left join marts.dim_leads l on l.contact_id = s.contact_id
                         where s.is_past_untouched_limit and s.outcome = 'open' and not coalesce(l.is_deleted, false)""")
    routing = demo.query("""select count(*) filter (where sla_status <> 'excluded'),
                                   count(*) filter (where is_routing_breach and sla_status <> 'excluded'),
                                   count(*) filter (where rep_sla_status = 'unassigned')
                            from marts.fct_sales_sla where handoff_date between ? and ?""", [start, end])[0]
    cadence = dict(demo.query("""select attempts_sla_status, count(*) from marts.fct_sales_sla
                                 where handoff_date between ? and ? and attempts_sla_status is not null group by 1""",
                              [start, end]))
    return ([(f"attainment.open_breaches.{age}", ages.get(age, 0)) for age in ("fresh", "one_to_five_business_days", "older")]
            + [("attainment.past_point.count", len(past))]
            + [(f"attainment.past_point.{h}.action", action) for h, action, _ in past]
            + [(f"attainment.past_point.{h}.lead", lead) for h, _, lead in past]
            + [("attainment.routing.handoffs", routing[0]), ("attainment.routing.routing_breaches", routing[1]),
               ("attainment.routing.unassigned", routing[2])]
            + [(f"attainment.cadence.{c}", cadence.get(c, 0)) for c in ("met", "reached_early", "missed", "in_window")])


def _profile_gaps(demo: PublishedDemo) -> list[tuple[str, float | str | None]]:
    """Attributes missing among MQLs, counted here from dim_leads and dim_lead_profiles (a profile column is
    null when the attribute is unknown); how often each is the next question, from fct_lead_next_question."""
    attributes = ("industry", "company_size", "annual_revenue", "need", "seniority", "country")
    counts = demo.query(
        "select count(*), " + ", ".join(f"count(*) filter (where profiles.{a} is null)" for a in attributes)
        + """ from marts.dim_leads as leads left join marts.dim_lead_profiles as profiles using (lead_id)
             where leads.is_open and leads.lifecycle_stage = 'mql'""")[0]
    mqls = int(counts[0])
    assert mqls > 0, "the demo has MQLs"
    asked = dict(demo.query("""select next_attribute, count(*) from marts.fct_lead_next_question
                               where lifecycle_stage = 'mql' group by 1"""))
    pairs: list[tuple[str, float | str | None]] = [("profile_gaps.mqls", mqls)]
    for attribute, missing in zip(attributes, counts[1:]):
        pairs += [(f"profile_gaps.{attribute}.missing_mqls", missing),
                  (f"profile_gaps.{attribute}.missing_share", missing / mqls),
                  (f"profile_gaps.{attribute}.next_question_mqls", asked.get(attribute, 0))]
    return pairs


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(_marketing, id="mqls-delivered-vs-target-this-month"),
        pytest.param(_attainment, id="attainment-pace-projection"),
        pytest.param(_breaches_per_rep, id="breaches-per-rep"),
        pytest.param(_breaches_over_time, id="breaches-per-rep-per-week"),
        pytest.param(_open_breaches_and_lists, id="open-breaches-and-rep-lists"),
        pytest.param(_funnel, id="funnel-counts-per-channel"),
        pytest.param(_icp_win_rates, id="icp-win-rate-per-attribute-value"),
        pytest.param(_followup_cohorts, id="followup-closed-cohorts"),
        pytest.param(_speed_to_lead, id="speed-to-lead-by-weekday-and-hour"),
        pytest.param(_manager_needs_owner, id="manager-needs-an-owner"),
        pytest.param(_manager_stale, id="manager-stale-deadlines"),
        pytest.param(_quarantine, id="quarantine-per-stream"),
        pytest.param(_profile_gaps, id="attributes-missing-among-mqls"),
        pytest.param(_attainment_per_team_and_rep, id="weekly-on-time-per-team-and-rep"),
        pytest.param(_open_breaches_by_age_and_routing, id="open-breaches-by-age-routing-and-cadence"),
    ],
)
def test_the_numbers_shown_equal_the_marts(
    shown: dict[str, str], published: PublishedDemo,
    expected: Callable[[PublishedDemo], list[tuple[str, float | str | None]]],
) -> None:
    pairs = expected(published)
    assert pairs
    missing = [name for name, _ in pairs if name not in shown]
    assert not missing, f"not on the page: {missing[:10]}"
    for name, want in pairs:
        got = shown[name]
        if want is None:
            assert got == "", name
        elif isinstance(want, str):  # a lead id
            assert got == want, (name, got, want)
        else:
            assert got != "" and float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-9), (name, got, want)


# --- Does speed win? on a demo with closed cohorts ----------------------------------------------

FOLLOWUP_SHOWN = ("handoffs", "sql_rate", "sql_rate_lower_95", "sql_rate_upper_95", "opportunity_rate",
                  "opportunity_rate_lower_95", "opportunity_rate_upper_95", "win_rate", "win_rate_lower_95",
                  "win_rate_upper_95", "win_lift")


@pytest.fixture(scope="module")
def history_shown(browser: BrowserPaths, published_history: PublishedDemo, tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, str]:
    """Every data-metric of the report of the demo with history, read in Chromium."""
    report = build_report(published_history.database, published_history.run_date, tmp_path_factory.mktemp("history"),
                          reporting_timezone=published_history.settings.reporting_timezone)
    with ChromeDriver.start(browser) as driver, driver.session(width=1280, height=1000) as session:
        assert session.open(report) == "complete"
        assert session.page_errors() == []
        return session.execute(READ_METRICS)


def test_the_follow_up_evidence_shown_equals_the_mart(history_shown: dict[str, str], published_history: PublishedDemo
                                                      ) -> None:
    """The pooled closed cohorts of the latest SLA version that has any: each stratum's overall row and
    its rows by business response time, every dimension of all tiers, and a finding for each value whose
    lift's interval excludes 1, all as in the mart (queried here in plain SQL)."""
    version = published_history.query(
        "select max(sla_version) from marts.fct_followup_evidence where cohort = 'all_closed'")[0][0]
    assert version is not None, "the demo with history has closed cohorts"
    rows = published_history.query(
        f"""select icp_tier, dimension, dimension_value, {', '.join(FOLLOWUP_SHOWN)}
            from marts.fct_followup_evidence where sla_version = ? and cohort = 'all_closed'""", [version])
    months = published_history.query(
        "select count(distinct cohort_month) from marts.fct_followup_evidence where sla_version = ?", [version])[0][0]
    assert months >= 1 and history_shown["followup.cohorts"] == str(months)
    shown_rows = [r for r in rows if r[0] == "all" or r[1] in ("overall", "response_business")]
    assert any(r[1] == "response_business" and r[0] != "all" for r in shown_rows), "tiers are shown"
    pairs: list[tuple[str, float | None]] = []
    for tier, dimension, value, *numbers in shown_rows:
        key = f"followup.{tier}.{dimension}.{value}"
        pairs += [(f"{key}.{column}", number) for column, number in zip(FOLLOWUP_SHOWN, numbers)]
    findings = {
        f"followup.finding.{tier}.{dimension}.{value}.{outcome}": lift
        for tier, dimension, value, outcome, lift in published_history.query(
            " union all ".join(
                f"""select icp_tier, dimension, dimension_value, '{outcome}', {outcome}_lift
                    from marts.fct_followup_evidence
                    where sla_version = ? and cohort = 'all_closed' and dimension <> 'overall'
                      and is_{outcome}_lift_supported"""
                for outcome in ("sql", "opportunity", "win")),
            [version] * 3)
    }
    assert {name for name in history_shown if name.startswith("followup.finding.")} == set(findings)
    pairs += list(findings.items())
    missing = [name for name, _ in pairs if name not in history_shown]
    assert not missing, f"not on the page: {missing[:10]}"
    for name, want in pairs:
        got = history_shown[name]
        if want is None:
            assert got == "", name
        else:
            assert got != "" and float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-9), (name, got, want)


# --- Content that converts, on the demo with history (July's cohort has closed) ---------------------

CONTENT_SHOWN = ("engaged_people", "prospects", "leads_created", "mqls", "wins", "first_touch_people", "first_touch_mqls",
                 "lead_rate", "lead_rate_lower_95", "lead_rate_upper_95", "mql_rate", "mql_rate_lower_95",
                 "mql_rate_upper_95", "first_touch_mql_rate", "first_touch_mql_rate_lower_95",
                 "first_touch_mql_rate_upper_95", "win_rate", "win_rate_lower_95", "win_rate_upper_95",
                 "share_of_leads_touched")


def test_content_that_converts_shown_equals_the_mart(history_shown: dict[str, str], published_history: PublishedDemo
                                                     ) -> None:
    """Every piece's pooled closed cohorts as in the mart; the top five are the pieces whose MQL rate has
    the highest lower bound, the bottom five, of the others, those with the lowest upper bound."""
    columns = ", ".join(CONTENT_SHOWN)
    rows = published_history.query(
        f"""select content_kind, content_id, {columns} from marts.fct_content_conversion
            where cohort = 'all_closed' and engaged_people > 0
            order by mql_rate_lower_95 desc, mql_rate desc, engaged_people desc, content_kind, content_id""")
    months = published_history.query(
        "select count(distinct cohort_month) from marts.fct_content_conversion where cohort_month is not null")[0][0]
    assert len(rows) > 10 and months >= 1 and history_shown["content.cohorts"] == str(months)
    top = rows[:5]
    bottom = sorted(rows[5:], key=lambda r: (r[2 + CONTENT_SHOWN.index("mql_rate_upper_95")],
                                             r[2 + CONTENT_SHOWN.index("mql_rate")],
                                             -r[2 + CONTENT_SHOWN.index("engaged_people")], r[0], r[1]))[:5]
    for prefix, shown_rows in (("piece", rows), ("top", top), ("bottom", bottom)):
        keys = {f"content.{prefix}.{r[0]}.{r[1]}" for r in shown_rows}
        assert {name.rsplit(".", 1)[0] for name in history_shown
                if name.startswith(f"content.{prefix}.") and name.endswith(".engaged_people")} == keys, prefix
        for kind, content_id, *values in shown_rows:
            for column, want in zip(CONTENT_SHOWN, values):
                got = history_shown[f"content.{prefix}.{kind}.{content_id}.{column}"]
                if want is None:
                    assert got == "", (prefix, kind, content_id, column)
                else:
                    assert got != "" and float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-9), (
                        prefix, kind, content_id, column, got, want)


def test_content_that_converts_says_so_while_no_cohort_has_closed(shown: dict[str, str], page: Session,
                                                                  published: PublishedDemo) -> None:
    """The 30-day demo's engagements are all within their 90-day window: the section says why it is empty."""
    assert published.query("select count(*) from marts.fct_content_conversion") == [(0,)]
    assert shown["content.cohorts"] == "0"
    assert "No content cohort's window has closed yet" in page.execute("return document.getElementById('content').textContent")


def test_numbers_read_as_text_too(page: Session, shown: dict[str, str]) -> None:
    texts = page.execute(
        "const o = {}; document.querySelectorAll('[data-metric]').forEach(e => { o[e.dataset.metric] = e.textContent.trim(); }); return o"
    )
    assert all(texts[name] for name in shown), "every metric is visible text"
    assert texts["kpi.mqls_delivered"] == f"{int(float(shown['kpi.mqls_delivered'])):,}"
    assert texts["kpi.mql_attainment"].endswith("%")


def test_the_page_makes_no_network_request(page: Session, report: Path) -> None:
    assert page.execute("return performance.getEntriesByType('resource').length") == 0
    navigations = page.execute("return performance.getEntriesByType('navigation').map(e => e.name)")
    assert navigations == [report.resolve().as_uri()]
    assert page.requested_urls() == [report.resolve().as_uri()]


@pytest.mark.parametrize(
    ("width", "height", "mobile"),
    [pytest.param(1280, 1000, False, id="desktop"), pytest.param(390, 844, True, id="phone")],
)
def test_the_page_lays_out_and_is_captured(browser: BrowserPaths, report: Path, screenshot_dir: Path,
                                           width: int, height: int, mobile: bool) -> None:
    with ChromeDriver.start(browser) as driver, driver.session(width=width, height=height, mobile=mobile) as session:
        assert session.open(report) == "complete"
        assert session.page_errors() == []
        assert session.execute("return document.documentElement.clientWidth") == width
        overflow = session.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
        shot = session.screenshot(screenshot_dir / f"{report.stem}-{width}px.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    shot_width, shot_height = struct.unpack(">II", data[16:24])
    assert shot_width == width and shot_height > 2 * height
    print(f"screenshot: {shot}")


# Every table, with every fold opened: either it fits the box it sits in, or that box scrolls sideways
# (overflow auto or scroll) and shows it can (the edge shadows of .table-scroll). A table cut off by a
# box that does not scroll, or sticking out past the page, is clipped.
TABLE_FIT = """
document.querySelectorAll('details').forEach(d => { d.open = true; });
const page = document.documentElement.clientWidth;
return [...document.querySelectorAll('table')].map(t => {
  const name = (t.caption && t.caption.textContent.trim().slice(0, 60)) || '(no caption)';
  const right = t.getBoundingClientRect().right;
  let box = t.parentElement;
  while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') { box = box.parentElement; }
  const style = box && box !== document.body ? getComputedStyle(box) : null;
  const wider = style ? box.scrollWidth > box.clientWidth + 1 : right > page + 1;
  const scrolls = !!style && ['auto', 'scroll'].includes(style.overflowX);
  return {name, wider, scrolls, cue: !!style && style.backgroundImage !== 'none',
          past_page: box ? box.getBoundingClientRect().right > page + 1 : right > page + 1,
          width: Math.round(t.getBoundingClientRect().width)};
});
"""


@pytest.mark.parametrize("which", ["demo", "history"])
def test_at_800px_no_table_is_clipped_without_a_scrollbar(browser: BrowserPaths, report: Path, published_history: PublishedDemo,
                                                          tmp_path: Path, which: str) -> None:
    """At an 800 px wide window, tables that fit are left alone and wider ones (the ICP values, the weekly
    trend) scroll inside their box with a visible cue; the page itself does not scroll sideways."""
    path = report if which == "demo" else build_report(
        published_history.database, published_history.run_date, tmp_path,
        reporting_timezone=published_history.settings.reporting_timezone)
    with ChromeDriver.start(browser) as driver, driver.session(width=800, height=1000) as session:
        assert session.open(path) == "complete"
        assert session.execute("return document.documentElement.clientWidth") <= 800
        tables = session.execute(TABLE_FIT)
        overflow = session.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert len(tables) >= 15
    if which == "history":  # the content section's tables are measured too
        for caption in ("Converts best", "Converts least", "Every piece"):
            assert any(t["name"].startswith(caption) for t in tables), caption
    clipped = [t for t in tables if t["wider"] and not (t["scrolls"] and t["cue"])]
    assert not clipped, f"clipped without a scrollbar at 800 px: {clipped}"
    assert not [t for t in tables if t["past_page"]], "a table's box sticks out of the page"
    assert any(t["wider"] for t in tables), "at 800 px some table is wider than its column and scrolls"
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 800px"


def test_at_800px_the_missing_attributes_table_fits_or_scrolls(browser: BrowserPaths, report: Path) -> None:
    """The "what to ask next" section's table, at an 800 px window: inside the page, and scrolling with a cue
    if it is wider than its box."""
    with ChromeDriver.start(browser) as driver, driver.session(width=800, height=1000) as session:
        assert session.open(report) == "complete"
        tables = session.execute(TABLE_FIT)
    mine = [t for t in tables if t["name"].startswith("Attributes missing among MQLs")]
    assert len(mine) == 1, [t["name"] for t in tables]
    assert not mine[0]["past_page"], mine
    assert not mine[0]["wider"] or (mine[0]["scrolls"] and mine[0]["cue"]), mine
