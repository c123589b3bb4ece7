"""Every singular dbt test (an invariant across models, `dbt_project/tests/`) can fail.

Each case plants one violation of the invariant in a private copy of the demo's built warehouse, in
a transaction it rolls back, and runs that test's compiled SQL: it must find nothing on the copy as
built and something on the planted row (dbt fails a singular test that returns any row). A new
singular test without a case here fails `test_every_singular_test_has_a_case_and_passes_as_built`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from lead_sla.transform.dbt import run_dbt

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def _as_table(relation: str) -> str:
    """A view becomes a table holding its rows, so a test's input can be changed in place."""
    return (f"create table {relation}__rows as select * from {relation}; drop view {relation}; "
            f"alter table {relation}__rows rename to {relation.split('.')[-1]};")


# test name -> the SQL that breaks its invariant on one row (or one record)
VIOLATIONS: dict[str, str] = {
    "assert_business_intervals_do_not_overlap": """
        update intermediate.int_business_intervals_cumulated set interval_end_at = interval_start_at
        where rowid = (select min(rowid) from intermediate.int_business_intervals_cumulated)""",
    "assert_every_handoff_lead_is_in_dim_leads": """
        delete from marts.dim_leads
        where lead_id = (select min(contact_id) from intermediate.int_handoffs_sequenced)""",
    "assert_every_stitched_identifier_belongs_to_a_lead_in_dim_leads": """
        delete from marts.dim_leads
        where lead_id = (select min(lead_id) from intermediate.int_identities_stitched
                         where lead_id not in (select contact_id from intermediate.int_handoffs_sequenced))""",
    "assert_fit_intervals_chain_without_gaps_or_overlaps": """
        update intermediate.int_lead_fit_scored set valid_to = valid_to + interval 1 second
        where rowid = (select min(rowid) from intermediate.int_lead_fit_scored where valid_to is not null)""",
    "assert_latest_profile_value_is_the_current_history_value": """
        update marts.dim_lead_profiles set industry = industry || ' (changed)'
        where lead_id = (select min(lead_id) from marts.dim_lead_profiles where industry is not null)""",
    "assert_profile_history_intervals_chain_without_gaps_or_overlaps": """
        update marts.dim_lead_profile_history set is_current = not is_current
        where rowid = (select min(rowid) from marts.dim_lead_profile_history)""",
    "assert_marketing_sla_of_the_build_month_matches_its_build_day_row": """
        update marts.fct_marketing_sla set mqls_delivered = mqls_delivered + 1
        where rowid = (select min(rowid) from marts.fct_marketing_sla
                       where report_date = (select max(report_date) from marts.fct_marketing_sla_daily))""",
    "assert_one_latest_version_per_record": _as_table("staging.stg_crm__users") + """
        insert into staging.stg_crm__users
        select * from staging.stg_crm__users where is_latest order by owner_id limit 1""",
    "assert_business_minutes_within_wall_clock": """
        update marts.fct_sales_sla set response_business_minutes = response_minutes + 5
        where handoff_id = (select min(handoff_id) from marts.fct_sales_sla where response_minutes is not null)""",
    "assert_sla_due_after_clock_start": """
        update marts.fct_sales_sla set rep_sla_due_at = rep_clock_started_at - interval 1 minute
        where handoff_id = (select min(handoff_id) from marts.fct_sales_sla where rep_clock_started_at is not null)""",
    "assert_sla_daily_matches_handoffs": """
        update marts.fct_sales_sla_daily set handoffs_received = handoffs_received + 1
        where sales_sla_day_id = (select min(sales_sla_day_id) from marts.fct_sales_sla_daily)""",
    # the demo's cohorts are all still open (30 days of handoffs), so the row is planted whole
    "assert_followup_rates_are_shares_inside_their_intervals": """
        insert into marts.fct_followup_evidence by name
        select 'planted' as followup_evidence_id, 'all_closed' as cohort, 'all' as icp_tier,
               'response_business' as dimension, 'within_5_min' as dimension_value, 10 as handoffs,
               20 as stratum_handoffs, 0.5 as share_of_handoffs, 3 as wins, 0.3 as win_rate,
               0.4 as win_rate_lower_95, 0.6 as win_rate_upper_95, 0.25 as stratum_win_rate""",
    # the demo's content cohorts are all still open too: a piece whose MQL interval misses its rate
    "assert_content_rates_are_shares_inside_their_intervals": """
        insert into marts.fct_content_conversion by name
        select 'planted' as content_conversion_id, 'landing_page' as content_kind, '/planted' as content_id,
               'all_closed' as cohort, 40 as engaged_people, 4 as mqls, 0.1 as mql_rate,
               0.15 as mql_rate_lower_95, 0.3 as mql_rate_upper_95""",
    "assert_icp_proposal_and_next_question_shares_are_within_bounds": """
        update marts.fct_lead_next_question set tier_change_probability = 1.5
        where lead_id = (select min(lead_id) from marts.fct_lead_next_question)""",
}

# further ways to break one invariant, each of which it must catch
MORE_VIOLATIONS: list[tuple[str, str, str]] = [
    # the 30-day demo's training window holds too few leads for a proposal: the row is planted whole
    ("assert_icp_proposal_and_next_question_shares_are_within_bounds", "a-proposal-interval-missing-its-rate", """
        insert into marts.fct_icp_proposal by name
        select 'planted' as icp_proposal_id, 'industry' as attribute, 'planted' as attribute_value,
               10 as leads, 3 as wins, 0.3 as win_rate, 0.35 as win_rate_lower_95, 0.6 as win_rate_upper_95,
               0.3 as shrunk_win_rate, 0 as proposed_points"""),
    ("assert_icp_proposal_and_next_question_shares_are_within_bounds", "asked-of-more-mqls-than-miss-it", """
        update marts.fct_mql_missing_attributes set next_question_mqls = missing_mqls + 1
        where attribute = (select min(attribute) from marts.fct_mql_missing_attributes)"""),
    ("assert_followup_rates_are_shares_inside_their_intervals", "a-rate-above-one", """
        insert into marts.fct_followup_evidence by name
        select 'planted' as followup_evidence_id, 'all_closed' as cohort, 'all' as icp_tier,
               'overall' as dimension, 'all' as dimension_value, 10 as handoffs, 10 as stratum_handoffs,
               1.0 as share_of_handoffs, 12 as sqls, 1.2 as sql_rate, 0.9 as sql_rate_lower_95,
               1.0 as sql_rate_upper_95, 1.2 as stratum_sql_rate"""),
    ("assert_content_rates_are_shares_inside_their_intervals", "a-piece-touching-more-leads-than-were-created", """
        insert into marts.fct_content_conversion by name
        select 'planted' as content_conversion_id, 'form' as content_kind, 'planted' as content_id,
               'all_closed' as cohort, 12 as cohort_leads, 15 as leads_touched, 1.25 as share_of_leads_touched"""),
    ("assert_sla_daily_matches_handoffs", "a-handoff-received-a-day-late", """
        -- the rep's totals stay right, but one handoff is counted on the wrong day
        update marts.fct_sales_sla_daily as daily
        set handoffs_received = handoffs_received + case when daily.activity_date = moved.activity_date then -1 else 1 end
        from (select owner_id, activity_date from marts.fct_sales_sla_daily
              where handoffs_received > 0 order by owner_id, activity_date limit 1) as moved
        where daily.owner_id = moved.owner_id
            and daily.activity_date in (moved.activity_date, moved.activity_date + 1)"""),
    ("assert_sla_daily_matches_handoffs", "a-first-touch-after-the-build-day", """
        update marts.fct_sales_sla set first_touch_at = evaluated_as_of + interval 2 day
        where handoff_id = (select min(handoff_id) from marts.fct_sales_sla
                            where rep_sla_status = 'met' and rep_sla_due_at >= evaluated_as_of - interval 1 day)
           or handoff_id = (select min(handoff_id) from marts.fct_sales_sla where rep_sla_status = 'pending')"""),
]


def _singular_tests(dbt_dir: Path) -> set[str]:
    return {path.stem for path in (dbt_dir / "tests").rglob("*.sql")}


@pytest.fixture(scope="module")
def compiled(published, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A private copy of the demo's built warehouse, and every singular test compiled against it
    (one dbt run): each case then plants its violation in a transaction it rolls back."""
    root = tmp_path_factory.mktemp("singular-tests")
    warehouse = root / "warehouse" / "lead_sla.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(published.settings.warehouse, warehouse)
    settings = published.settings.model_copy(update={"warehouse_path": warehouse, "published_dir": root / "published"})
    result = run_dbt(settings, "compile", ["--select", "test_type:singular"], run_date=published.run_date)
    assert result.success, result.error
    target = warehouse.parent / "dbt_target" / "compiled" / "lead_sla" / "tests"
    return warehouse, {path.stem: path.read_text() for path in target.rglob("*.sql")}


def _failing_rows(conn: duckdb.DuckDBPyConnection, test_sql: str) -> int:
    """Rows a singular test returns: dbt fails it on any."""
    return conn.execute(f"select count(*) from ({test_sql}) as found").fetchall()[0][0]


def _plant(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    changed = 0
    for statement in (part for part in sql.split(";") if part.strip()):
        cursor = conn.execute(statement)
        code = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--"))
        if code.lstrip().startswith(("update", "delete", "insert")):
            changed += cursor.fetchall()[0][0]
    assert changed >= 1, f"the planted violation changed no row: {sql}"


def test_every_singular_test_has_a_case_and_passes_as_built(compiled, published):
    warehouse, tests = compiled
    assert set(tests) == _singular_tests(published.settings.dbt_dir) == set(VIOLATIONS)
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert {name: _failing_rows(conn, sql) for name, sql in tests.items()} == {name: 0 for name in tests}
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("test", "violation"),
    [pytest.param(name, sql, id=name) for name, sql in VIOLATIONS.items()]
    + [pytest.param(name, sql, id=f"{name}-{case}") for name, case, sql in MORE_VIOLATIONS],
)
def test_the_invariant_fails_on_a_planted_violation(compiled, test, violation):
    warehouse, tests = compiled
    conn = duckdb.connect(str(warehouse))
    try:
        conn.execute("begin transaction")
        _plant(conn, violation)
        assert _failing_rows(conn, tests[test]) > 0
    finally:
        conn.execute("rollback")
        conn.close()
