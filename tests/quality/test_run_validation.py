"""run_validation as the nightly flow uses it: the gate, the results table, Data Docs, skips."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from lead_sla.quality import RESULTS_TABLE, DataQualityError, ValidationReport

from .conftest import RUN_DATE, outcome

NEGATIVE_RESPONSE = "UPDATE marts.fct_sales_sla SET response_minutes = -7 WHERE handoff_id = 'h-20261027-4'"
UNASSIGNED_JUMP = f"""UPDATE marts.fct_sales_sla SET owner_id = NULL, owner_assigned_at = NULL
    WHERE handoff_date = DATE '{RUN_DATE}' AND handoff_id IN (
        SELECT handoff_id FROM marts.fct_sales_sla WHERE handoff_date = DATE '{RUN_DATE}' ORDER BY handoff_id LIMIT 12)"""


def results(conn: duckdb.DuckDBPyConnection, run_id: str, stage: str) -> list[dict]:
    cursor = conn.execute(f"SELECT * FROM {RESULTS_TABLE} WHERE run_id = ? AND stage = ? ORDER BY suite, expectation", [run_id, stage])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.mark.parametrize(
    ("breaking_sql", "raises"),
    [
        pytest.param(UNASSIGNED_JUMP, False, id="warning-only"),
        pytest.param(f"{UNASSIGNED_JUMP}; {NEGATIVE_RESPONSE}", True, id="critical-and-warning"),
    ],
)
def test_only_critical_failures_raise(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    breaking_sql: str,
    raises: bool,
) -> None:
    warehouse.execute(breaking_sql)
    report = validate(warehouse, "marts", suites_for("marts/fct_sales_sla"), docs_dir=None)
    assert [o.expectation for o in report.warnings] == ["unassigned_share_stable"]
    if not raises:
        assert report.success
        report.raise_for_critical()
        return
    assert not report.success
    with pytest.raises(DataQualityError) as raised:
        report.raise_for_critical()
    message = str(raised.value)
    assert message.startswith(f"1 critical data-quality check failed (run test-run, stage marts, run day {RUN_DATE})")
    assert "marts.fct_sales_sla · expect_column_values_to_be_between(response_minutes)" in message
    assert "observed 1 of 1200 rows unexpected" in message
    assert '"handoff_id": "h-20261027-4"' in message and '"response_minutes": -7.0' in message
    assert "A response cannot come before the clock started" in message
    assert "unassigned_share_stable" not in message  # warnings are reported, never raised
    assert raised.value.report is report


def test_results_are_kept_and_a_rerun_replaces_its_stage(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    suites = suites_for("marts/fct_sales_sla", "raw/users")
    first = validate(warehouse, "marts", suites, run_id="night-1", docs_dir=None)
    validate(warehouse, "raw", suites, run_id="night-1", docs_dir=None)
    rows = results(warehouse, "night-1", "marts")
    assert len(rows) == len(first.outcomes) == 21
    assert {r["success"] for r in rows} == {True}
    assert {r["run_date"] for r in rows} == {RUN_DATE}
    assert {r["table_name"] for r in rows} == {"marts.fct_sales_sla"}
    row_count = next(r for r in rows if r["expectation"] == "rows_match_inputs")
    assert row_count["severity"] == "critical" and row_count["unexpected_count"] == 0
    assert '"table_rows": 1200, "expected_rows": 1200, "previously_published_rows": null' in row_count["observed_value"]

    warehouse.execute(NEGATIVE_RESPONSE)
    second = validate(warehouse, "marts", suites, run_id="night-1", docs_dir=None)
    rerun = results(warehouse, "night-1", "marts")
    assert len(rerun) == len(rows)
    assert {r["validated_at"] for r in rerun} == {second.validated_at} != {first.validated_at}
    failed = [r for r in rerun if r["success"] is False]
    assert [r["expectation"] for r in failed] == ["expect_column_values_to_be_between(response_minutes)"]
    assert failed[0]["unexpected_count"] == 1
    assert failed[0]["observed_value"].startswith("1 of 1200 rows unexpected")
    examples = json.loads(failed[0]["unexpected_examples"])
    assert examples == [{"handoff_id": "h-20261027-4", "response_minutes": -7.0}]

    assert len(results(warehouse, "night-1", "raw")) == 15  # the other stage's rows stay
    validate(warehouse, "marts", suites, run_id="night-2", docs_dir=None)
    assert len(results(warehouse, "night-1", "marts")) == len(rows)  # other runs stay


def test_data_docs_show_both_stages_and_replace_a_rerun(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    tmp_path: Path,
) -> None:
    suites = suites_for("marts/fct_marketing_sla_daily", "raw/users")
    docs = tmp_path / "site"
    marts = validate(warehouse, "marts", suites, run_id="night-1", docs_dir=docs)
    validate(warehouse, "raw", suites, run_id="night-1", docs_dir=docs)
    warehouse.execute(f"""DELETE FROM intermediate.int_marketing_days_measured WHERE report_date = DATE '{RUN_DATE}' - 3;
                          DELETE FROM marts.fct_marketing_sla_daily WHERE report_date = DATE '{RUN_DATE}' - 3""")
    validate(warehouse, "marts", suites, run_id="night-1", docs_dir=docs)

    assert marts.docs_index == docs / "index.html"
    index = (docs / "index.html").read_text()
    assert "fct_marketing_sla_daily" in index and "users" in index
    pages = sorted(p.relative_to(docs).as_posix() for p in (docs / "validations").rglob("*.html"))
    assert [p.split("/")[:3] for p in pages] == [
        ["validations", "marts", "fct_marketing_sla_daily"], ["validations", "raw", "users"]
    ]
    page = (docs / pages[0]).read_text()  # the rerun's page: the day deleted before it is missing
    assert "Data asset:" in page and "marts.fct_marketing_sla_daily" in page and "rows_on_day" in page
    assert re.search(r"Unsuccessful Expectations</div></td><td[^>]*><div[^>]*>1</div>", page)
    assert not (Path.cwd() / "great_expectations").exists()


def test_optional_suite_is_skipped_with_a_note_when_its_table_is_missing(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    warehouse.execute("DROP TABLE scoring.lead_scores")
    report = validate(warehouse, "scores", suites_for("scores/lead_scores"), docs_dir=None)
    assert report.notes == ("scoring.lead_scores does not exist; optional suite scoring.lead_scores skipped",)
    assert report.success and len(report.skipped) == len(report.outcomes) == 14
    rows = results(warehouse, "test-run", "scores")
    assert {r["success"] for r in rows} == {None}
    assert {r["observed_value"] for r in rows} == {"skipped: scoring.lead_scores does not exist"}


@pytest.mark.parametrize(
    ("breaking_sql", "failed"),
    [
        pytest.param(None, [], id="valid-scores"),
        pytest.param("UPDATE scoring.lead_scores SET engagement_score = 120 WHERE lead_id = 'c-20261002-1'",
                     ["expect_column_values_to_be_between(engagement_score)"], id="score-above-100"),
        pytest.param("UPDATE scoring.lead_scores SET p_convert = 1.5 WHERE lead_id = 'c-20261002-1'",
                     ["expect_column_values_to_be_between(p_convert)"], id="probability-above-1"),
        pytest.param("UPDATE scoring.lead_scores SET scored_as_of = scored_as_of - INTERVAL 1 DAY",
                     ["scored_as_of_the_run_day"], id="scored-as-of-another-day"),
        pytest.param("DELETE FROM marts.dim_leads WHERE lead_id = 'c-20261002-1'",
                     ["every_lead_in_dim_leads", "rows_match_inputs"], id="scored-lead-missing-from-dim-leads"),
        pytest.param("DELETE FROM scoring.lead_scores WHERE lead_id = 'c-20261002-1'",
                     ["rows_match_inputs"], id="open-lead-not-scored"),
        pytest.param("UPDATE marts.dim_leads SET is_open = false WHERE lead_id = 'c-20261002-1'",
                     ["rows_match_inputs"], id="closed-lead-scored"),
        pytest.param("ALTER TABLE scoring.lead_scores DROP COLUMN engagement_score",
                     ["expect_column_values_to_be_between(engagement_score)", "score_columns_present"],
                     id="score-column-missing"),
        # what another day left in the table is not the run day's: its rows are neither checked nor counted
        pytest.param(f"""INSERT INTO scoring.lead_scores SELECT * REPLACE (DATE '{RUN_DATE}' - 1 AS score_date, 140.0 AS fit_score)
                         FROM scoring.lead_scores""",
                     [], id="another-days-scores-left-alone"),
    ],
)
def test_lead_scores_of_the_run_day_are_validated_in_the_scores_stage(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    breaking_sql: str | None,
    failed: list[str],
) -> None:
    if breaking_sql:
        warehouse.execute(breaking_sql)
    report = validate(warehouse, "scores", suites_for("scores/lead_scores"), docs_dir=None)
    assert report.notes == ()
    assert report.suites == ("scoring.lead_scores",)
    assert sorted(o.expectation for o in report.critical_failures) == failed
    assert report.warnings == []


def test_the_marts_stage_leaves_the_scores_to_the_scores_stage(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    warehouse.execute("UPDATE scoring.lead_scores SET fit_score = 140")
    suites = suites_for("marts/dim_reps", "scores/lead_scores")
    marts = validate(warehouse, "marts", suites, docs_dir=None)
    assert marts.suites == ("marts.dim_reps",) and marts.success
    scores = validate(warehouse, "scores", suites, docs_dir=None)
    assert [o.expectation for o in scores.critical_failures] == ["expect_column_values_to_be_between(fit_score)"]
    assert scores.critical_failures[0].unexpected_count == 605


def test_a_missing_mart_is_a_critical_failure(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    warehouse.execute("DROP TABLE marts.fct_icp_evidence")
    report = validate(warehouse, "marts", suites_for("marts/fct_icp_evidence"), docs_dir=None)
    missing = outcome(report, "marts.fct_icp_evidence", "table_exists")
    assert report.critical_failures == [missing]
    assert missing.observed_value == "marts.fct_icp_evidence does not exist"


def test_an_unreadable_input_fails_its_expectations_without_stopping_the_run(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    warehouse.execute("DROP TABLE marts.dim_leads")
    report = validate(warehouse, "marts", suites_for("marts/fct_sales_sla"), docs_dir=None)
    failed = {o.expectation: o for o in report.critical_failures}
    assert sorted(failed) == ["every_contact_in_dim_leads", "handoff_count_matches_dim_leads"]
    assert failed["every_contact_in_dim_leads"].observed_value.startswith(
        "error: cannot read marts.fct_sales_sla:contacts_in_dim_leads: Catalog Error"
    )
    assert outcome(report, "marts.fct_sales_sla", "rows_match_inputs").success


def test_params_override_the_suite_bands(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
) -> None:
    report = validate(warehouse, "marts", suites_for("marts/fct_sales_sla_daily"), docs_dir=None,
                      params={"received_ratio_min": 1.5, "received_ratio_max": 3})
    assert [o.expectation for o in report.critical_failures] == ["received_volume_within_band"]
