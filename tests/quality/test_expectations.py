"""Each kind of expectation passes on good data and fails on data that breaks it.

The committed suites first pass, all of them, on the good warehouse. Then every case changes that
warehouse in one way, runs the committed suite of the table it touches, and checks that exactly
the targeted expectation fails, with its severity and evidence, while every other expectation of
that suite still passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from lead_sla.quality import ValidationReport

from .conftest import RUN_DATE, outcome


COMMITTED_SUITES = Path(__file__).resolve().parents[2] / "expectations"


def _guarded_table(path: Path) -> str:
    """The table a suite file guards: its own ``table``, or that of the contract file it names."""
    data = yaml.safe_load(path.read_text())
    if "contract" in data:
        data = yaml.safe_load((path.parent / data["contract"]).read_text())
    return data["table"]


@pytest.mark.parametrize("stage", ["raw", "marts", "scores"])
def test_committed_suites_pass_on_good_data(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport], stage: str
) -> None:
    report = validate(warehouse, stage)
    failed = [o.describe() for o in report.outcomes if not o.success]
    assert failed == []
    assert report.critical_failures == [] and report.warnings == []
    # Every committed suite of the stage ran: none was skipped for want of its table.
    committed = sorted(_guarded_table(path) for path in (COMMITTED_SUITES / stage).glob("*.yml"))
    assert sorted(report.suites) == committed
    report.raise_for_critical()


CASES = [
    # --- raw boundaries ---------------------------------------------------------------------
    pytest.param(
        "raw/activities",
        "UPDATE raw.activities SET type = 'fax' WHERE activity_id = 'activities-1'",
        "expect_column_values_to_be_in_set(type)", "critical", 1,
        id="raw-unknown-enum",
    ),
    pytest.param(
        # an API pull (no export day) from the evening of the run day in the reporting zone, already the
        # next day in UTC: the run's dbt build reads it (known on its local day), so the suite checks it
        "raw/activities",
        "UPDATE raw.activities SET type = 'fax', _export_date = NULL, "
        f"updated_at = '{RUN_DATE + timedelta(days=1)} 01:30:00' WHERE activity_id = 'activities-0'",
        "expect_column_values_to_be_in_set(type)", "critical", 1,
        id="raw-evening-api-pull-is-checked",
    ),
    pytest.param(
        "raw/form_submissions",
        "UPDATE raw.form_submissions SET submitted_at = '2099-01-01 00:00:00' WHERE submission_id = 'form_submissions-0'",
        "submitted_at_not_after_extraction", "critical", 1,
        id="raw-timestamp-in-future",
    ),
    pytest.param(
        "raw/lifecycle_changes",
        "UPDATE raw.lifecycle_changes SET changed_at = '2026-02-30 10:00:00' WHERE change_id = 'lifecycle_changes-2'",
        "changed_at_parseable", "critical", 1,
        id="raw-timestamp-unparseable",
    ),
    pytest.param(
        "raw/web_sessions",
        "UPDATE raw.web_sessions SET started_at = '2026-10-27T10:15:00+02:00' WHERE session_id = 'web_sessions-1'",
        "expect_column_values_to_match_regex(started_at)", "warning", 1,
        id="raw-timestamp-wrong-format",
    ),
    pytest.param(
        "raw/contacts",
        "UPDATE raw.contacts SET contact_id = NULL WHERE contact_id = 'contacts-2'",
        "expect_column_values_to_not_be_null(contact_id)", "critical", 1,
        id="raw-missing-key",
    ),
    pytest.param(
        "raw/deals",
        "ALTER TABLE raw.deals DROP COLUMN lost_reason",
        "contract_columns_present", "critical", None,
        id="raw-missing-column",
    ),
    pytest.param(
        "raw/email_events",
        "INSERT INTO raw.email_events SELECT * REPLACE ('hash-again' AS _row_hash, 'open' AS event_type)"
        " FROM raw.email_events WHERE event_id = 'email_events-0'",
        "events_not_rewritten", "warning", 2,
        id="raw-append-only-event-rewritten",
    ),
    pytest.param(
        "raw/web_sessions",
        f"UPDATE raw.web_sessions SET _export_date = DATE '{RUN_DATE}' - 3",
        "latest_version_reaches_run_day", "warning", 1,
        id="raw-stale-stream",
    ),
    # --- marts: keys, ranges, as-of -----------------------------------------------------------
    pytest.param(
        "marts/fct_sales_sla",
        # the intermediate layer sequenced the handoff twice, so the row count still matches its input
        "INSERT INTO intermediate.int_handoffs_sequenced SELECT * REPLACE (handoff_id || '-copy' AS handoff_id)"
        " FROM intermediate.int_handoffs_sequenced WHERE handoff_id = 'h-20261020-3';"
        " INSERT INTO marts.fct_sales_sla SELECT * REPLACE (handoff_id || '-copy' AS handoff_id)"
        " FROM marts.fct_sales_sla WHERE handoff_id = 'h-20261020-3';"
        " UPDATE marts.dim_leads SET handoff_count = 2 WHERE contact_id = 'c-20261020-3'",
        "one_row_per_contact_handoff_number", "critical", 2,
        id="duplicate-key",
    ),
    pytest.param(
        "marts/fct_sales_sla",
        "UPDATE marts.fct_sales_sla SET response_minutes = -5 WHERE handoff_id = 'h-20261027-4'",
        "expect_column_values_to_be_between(response_minutes)", "critical", 1,
        id="negative-response-time",
    ),
    pytest.param(
        "marts/fct_sales_sla",
        "UPDATE marts.fct_sales_sla SET first_touch_at = TIMESTAMP '2026-10-30 15:00:00' WHERE handoff_id = 'h-20261028-1'",
        "first_touch_not_after_as_of", "critical", 1,
        id="touch-after-as-of",
    ),
    pytest.param(
        "marts/fct_sales_sla",
        "UPDATE marts.fct_sales_sla SET evaluated_as_of = evaluated_as_of - INTERVAL 1 HOUR",
        "evaluated_as_of_the_run_day", "critical", 1,
        id="sales-sla-not-as-of-run-day-end",
    ),
    pytest.param(
        "marts/dim_leads",
        "UPDATE marts.dim_leads SET fit_score = 130 WHERE lead_id = 'c-20261001-7'",
        "expect_column_values_to_be_between(fit_score)", "critical", 1,
        id="score-above-100",
    ),
    pytest.param(
        "marts/fct_marketing_sla_daily",
        f"UPDATE marts.fct_marketing_sla_daily SET acceptance_rate = 1.2 WHERE report_date = DATE '{RUN_DATE}' - 2 AND segment = 'smb'",
        "expect_column_values_to_be_between(acceptance_rate)", "critical", 1,
        id="rate-above-one",
    ),
    pytest.param(
        "marts/fct_lead_funnel_daily",
        f"UPDATE marts.fct_lead_funnel_daily SET lead_to_mql_rate = 1.25 WHERE report_date = DATE '{RUN_DATE}' - 5 AND channel = 'paid_search'",
        "expect_column_values_to_be_between(lead_to_mql_rate)", "critical", 1,
        id="funnel-cohort-rate-above-one",
    ),
    pytest.param(
        "marts/fct_icp_evidence",
        "UPDATE marts.fct_icp_evidence SET share_of_leads = 0.5 WHERE attribute_value = 'retail'",
        "values_cover_population", "critical", 1,
        id="evidence-loses-population",
    ),
    pytest.param(
        "marts/fct_followup_evidence",
        # a value's handoffs moved to another value: the stratum is still counted whole, its split is not
        "UPDATE marts.fct_followup_evidence SET share_of_handoffs = share_of_handoffs / 2 "
        "WHERE cohort = 'all_closed' AND icp_tier = 'A' AND dimension = 'cadence' AND dimension_value = 'met'",
        "values_cover_stratum", "critical", 1,
        id="followup-evidence-loses-part-of-a-stratum",
    ),
    pytest.param(
        "marts/fct_followup_evidence",
        # a handoff of the closed cohort is missing from the mart, judged, but not counted
        "UPDATE marts.fct_followup_evidence SET handoffs = handoffs - 1, stratum_handoffs = stratum_handoffs - 1 "
        "WHERE cohort = '2026-08' AND icp_tier = 'all' AND dimension = 'overall'",
        "every_judged_handoff_counted_once", "critical", 1,
        id="followup-evidence-drops-a-handoff",
    ),
    pytest.param(
        "marts/fct_content_conversion",
        # a person of June's cohort is missing from the piece's month, judged but not counted
        "UPDATE marts.fct_content_conversion SET engaged_people = engaged_people - 1 "
        "WHERE content_kind = 'landing_page' AND content_id = '/c' AND cohort = '2026-06'",
        "every_judged_engagement_counted_once", "critical", 1,
        id="content-conversion-drops-an-engagement",
    ),
    pytest.param(
        "marts/fct_content_conversion",
        # /c, which nobody landed on first, credited with first touches: people counted first-touch twice
        "UPDATE marts.fct_content_conversion SET first_touch_people = 2 "
        "WHERE content_kind = 'landing_page' AND content_id = '/c' AND cohort = 'all_closed'",
        "first_touch_credited_once_per_kind", "critical", 1,
        id="content-conversion-credits-first-touch-twice",
    ),
    pytest.param(
        "marts/dim_reps",
        "UPDATE marts.dim_reps SET deactivated_at = NULL WHERE owner_id = 'u4'",
        "deactivation_matches_status", "critical", 1,
        id="deactivated-rep-without-date",
    ),
    pytest.param(
        "marts/fct_late_data_daily",
        "UPDATE marts.fct_late_data_daily SET days_late = 0 WHERE stream = 'activities'",
        "expect_column_values_to_be_between(days_late)", "critical", 1,
        id="late-data-row-not-late",
    ),
    # --- every row there: days, rostered reps, inputs -----------------------------------------
    pytest.param(
        "marts/fct_marketing_sla_daily",
        # the day is missing from the measured days too, so only the calendar check can tell
        f"""DELETE FROM intermediate.int_marketing_days_measured WHERE report_date = DATE '{RUN_DATE}' - 3;
            DELETE FROM marts.fct_marketing_sla_daily WHERE report_date = DATE '{RUN_DATE}' - 3""",
        "no_missing_day", "critical", 1,
        id="missing-day",
    ),
    pytest.param(
        "marts/fct_marketing_sla_daily",
        f"""DELETE FROM intermediate.int_marketing_days_measured WHERE report_date = DATE '{RUN_DATE}';
            DELETE FROM marts.fct_marketing_sla_daily WHERE report_date = DATE '{RUN_DATE}'""",
        "no_missing_day", "critical", 1,
        id="missing-run-day",
    ),
    pytest.param(
        "marts/fct_lead_funnel_daily",
        # a day without sessions or new leads still has its rows of zeros
        f"""DELETE FROM intermediate.int_sessions_attributed WHERE session_date = DATE '{RUN_DATE}' - 6;
            DELETE FROM intermediate.int_leads_attributed WHERE first_identified_date = DATE '{RUN_DATE}' - 6;
            DELETE FROM marts.fct_lead_funnel_daily WHERE report_date = DATE '{RUN_DATE}' - 6""",
        "every_day_present", "critical", 1,
        id="funnel-quiet-day-without-rows",
    ),
    pytest.param(
        "marts/fct_sales_sla_daily",
        # the row count still reaches the roster: the rep's day is there, under the deactivated rep
        f"UPDATE marts.fct_sales_sla_daily SET owner_id = 'u4' WHERE activity_date = DATE '{RUN_DATE}' - 2 AND owner_id = 'u3'",
        "every_rostered_day_present", "critical", 1,
        id="rostered-day-missing",
    ),
    pytest.param(
        "marts/fct_sales_sla",
        "DELETE FROM marts.fct_sales_sla WHERE handoff_id = 'h-20260905-3'",
        "rows_match_inputs", "critical", 1,
        id="handoff-missing-row-count",
    ),
    # --- behaviour over time --------------------------------------------------------------------
    pytest.param(
        "marts/fct_sales_sla_daily",
        # the run day's handoffs of two reps (10 of 18) never arrived
        f"""DELETE FROM marts.fct_sales_sla WHERE handoff_date = DATE '{RUN_DATE}' AND rep_owner_id IN ('u0', 'u1');
            UPDATE marts.fct_sales_sla_daily
               SET handoffs_received = 0, handoffs_due = 0, handoffs_met_by_due = 0, handoffs_breached = 0, sla_attainment = NULL
             WHERE activity_date = DATE '{RUN_DATE}' AND owner_id IN ('u0', 'u1')""",
        "received_volume_within_band", "critical", 1,
        id="received-volume-halved",
    ),
    pytest.param(
        "marts/fct_sales_sla_daily",
        f"""UPDATE marts.fct_sales_sla_daily
               SET handoffs_breached = 3, handoffs_met_by_due = handoffs_due - 3, sla_attainment = (handoffs_due - 3) / handoffs_due
             WHERE activity_date = DATE '{RUN_DATE}'""",
        "breach_rate_stable", "critical", 1,
        id="breach-rate-jump",
    ),
    pytest.param(
        "marts/fct_sales_sla",
        f"""UPDATE marts.fct_sales_sla SET owner_id = NULL, owner_assigned_at = NULL, routing_minutes = NULL
            WHERE handoff_date = DATE '{RUN_DATE}' AND handoff_id IN (
                SELECT handoff_id FROM marts.fct_sales_sla WHERE handoff_date = DATE '{RUN_DATE}' ORDER BY handoff_id LIMIT 10)""",
        "unassigned_share_stable", "warning", 1,
        id="unassigned-share-jump",
    ),
    # --- counted once ---------------------------------------------------------------------------
    pytest.param(
        "marts/fct_lead_funnel_daily",
        f"UPDATE marts.fct_lead_funnel_daily SET sessions = sessions + 1 WHERE report_date = DATE '{RUN_DATE}' - 10 AND channel = 'organic_search'",
        "every_session_counted_once", "critical", 1,
        id="session-counted-twice",
    ),
    pytest.param(
        "marts/fct_lead_funnel_daily",
        f"UPDATE marts.fct_lead_funnel_daily SET new_leads = new_leads - 1 WHERE report_date = DATE '{RUN_DATE}' - 10 AND channel = 'paid_search'",
        "every_new_lead_counted_once", "critical", 1,
        id="new-lead-missing",
    ),
    pytest.param(
        "marts/fct_sales_sla_daily",
        f"UPDATE marts.fct_sales_sla_daily SET handoffs_received = handoffs_received + 1 WHERE activity_date = DATE '{RUN_DATE}' - 2 AND owner_id = 'u1'",
        "every_handoff_received_once", "critical", 1,
        id="handoff-received-twice",
    ),
    # --- integrity between marts ------------------------------------------------------------------
    pytest.param(
        "marts/fct_sales_sla",
        "DELETE FROM marts.dim_leads WHERE contact_id = 'c-20261015-5'",
        "every_contact_in_dim_leads", "critical", 1,
        id="handoff-lead-missing-from-dim-leads",
    ),
    pytest.param(
        "marts/dim_lead_profiles",
        "UPDATE marts.dim_leads SET profile_completeness = 0.75 WHERE lead_id = 'c-20261015-5'",
        "completeness_matches_dim_leads", "critical", 1,
        id="profiles-disagree-with-dim-leads",
    ),
    pytest.param(
        "marts/fct_marketing_sla",
        "UPDATE marts.fct_marketing_sla SET mqls_delivered = mqls_delivered + 3, mql_attainment = (mqls_delivered + 3) / 200.0"
        " WHERE month_start = DATE '2026-10-01' AND segment = 'smb'",
        "mqls_match_sales_sla_handoffs", "warning", 1,
        id="marketing-disagrees-with-sales",
    ),
]


@pytest.mark.parametrize(("suite_file", "breaking_sql", "expectation", "severity", "unexpected"), CASES)
def test_expectation_fails_on_data_that_breaks_it(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    suite_file: str,
    breaking_sql: str,
    expectation: str,
    severity: str,
    unexpected: int | None,
) -> None:
    stage = suite_file.split("/")[0]
    warehouse.execute(breaking_sql)
    report = validate(warehouse, stage, suites_for(suite_file), docs_dir=None)

    broken = outcome(report, report.suites[0], expectation)
    assert broken.success is False
    assert broken.severity == severity
    if unexpected is not None:
        assert broken.unexpected_count == unexpected
        assert broken.unexpected_examples not in (None, "[]")
    others = [o.expectation for o in report.outcomes if o is not broken and not o.success]
    assert others == []
    failures = report.critical_failures if severity == "critical" else report.warnings
    assert failures == [broken]


SALES_DAILY = "marts.fct_sales_sla_daily"
FIRST_REPORTS_TRIPLED = f"""UPDATE {SALES_DAILY}_as_reported
    SET handoffs_received = 3 * handoffs_received, handoffs_due = 3 * handoffs_due, handoffs_breached = 3 * handoffs_breached"""


@pytest.mark.parametrize(
    ("changing_sql", "failed", "observed"),
    [
        pytest.param(None, [], '"trailing_median_as_reported": 18.0, "baseline_days": 20, "received_ratio": 1.0',
                     id="first-reports-as-restated"),
        # the restated table is unchanged: only the days as first published moved
        pytest.param(FIRST_REPORTS_TRIPLED, ["received_volume_within_band"],
                     '"trailing_median_as_reported": 54.0, "baseline_days": 20, "received_ratio": 0.3333333333333333',
                     id="first-reports-three-times-higher"),
        # a later report of a day (reported_on after it) is a restatement, not the day as first published
        pytest.param(f"""INSERT INTO {SALES_DAILY}_as_reported
                         SELECT * REPLACE (reported_on + 1 AS reported_on, 3 * handoffs_received AS handoffs_received)
                         FROM {SALES_DAILY}_as_reported""",
                     [], '"trailing_median_as_reported": 18.0, "baseline_days": 20, "received_ratio": 1.0',
                     id="later-reports-left-out"),
        # a public holiday on the run day, with nobody handed off: it is judged against the days off
        # (quiet weekends, as first published), not against the weekdays
        pytest.param(f"""UPDATE intermediate.int_marketing_days_classified SET is_business_day = false
                             WHERE calendar_date = DATE '{RUN_DATE}';
                         UPDATE {SALES_DAILY}_as_reported SET handoffs_received = 1 WHERE isodow(activity_date) >= 6;
                         DELETE FROM marts.fct_sales_sla WHERE handoff_date = DATE '{RUN_DATE}';
                         UPDATE {SALES_DAILY} SET handoffs_received = 0, handoffs_due = 0, handoffs_met_by_due = 0,
                                handoffs_breached = 0, sla_attainment = NULL
                          WHERE activity_date = DATE '{RUN_DATE}'""",
                     [], '"trailing_median_as_reported": 4.0, "baseline_days": 8, "received_ratio": null',
                     id="a-quiet-holiday-is-judged-against-days-off"),
        # the first night: the build created the copies empty, so there is no baseline to judge by
        pytest.param(f"DELETE FROM {SALES_DAILY}_as_reported", [],
                     '"trailing_median_as_reported": null, "baseline_days": 0, "received_ratio": null',
                     id="nothing-reported-yet"),
    ],
)
def test_received_volume_is_judged_against_the_days_as_first_reported(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    changing_sql: str | None,
    failed: list[str],
    observed: str,
) -> None:
    if changing_sql:
        warehouse.execute(changing_sql)
    report = validate(warehouse, "marts", suites_for("marts/fct_sales_sla_daily"), docs_dir=None)
    assert [o.expectation for o in report.critical_failures] == failed
    assert observed in outcome(report, SALES_DAILY, "received_volume_within_band").observed_value


def test_the_funnel_row_count_counts_channels_from_its_inputs(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    """A whole channel gone from the funnel is missing rows: the lower bound takes its channels from
    the leads' acquisition channels, not from the table under test (which would shrink with it)."""
    warehouse.execute("DELETE FROM marts.fct_lead_funnel_daily WHERE channel = 'paid_search'")
    report = validate(warehouse, "marts", suites_for("marts/fct_lead_funnel_daily"), docs_dir=None)
    row_count = outcome(report, "marts.fct_lead_funnel_daily", "rows_reach_inputs")
    assert row_count.success is False and row_count.severity == "critical"
