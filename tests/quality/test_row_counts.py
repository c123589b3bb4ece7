"""No published table passes empty or half written.

Every suite of the ``marts`` and ``scores`` stages declares a ``row_count``: how many rows its table
must hold according to its inputs (exactly, or at least), and the share of the rows it had in the
previous publication (``ops.publications``) it must keep. On a copy of the good warehouse each of
those suites fails when its table is emptied on the first night (nothing published yet), and when
half of its rows are deleted on a night after a publication. The expected failures are listed per
suite: the checks other than ``rows_keep_previous_publication`` do not read ``ops.publications``,
so they show what stops a half-written table on the first night too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from lead_sla.quality import Suite, ValidationReport, load_suites
from lead_sla.quality.suites import (
    PUBLICATIONS,
    PUBLICATIONS_DDL,
    ROW_COUNT_INPUT,
    RowCountSpec,
    SuiteSpec,
    substitute_sql,
)

from .conftest import RUN_DATE, SUITES_DIR, outcome

PUBLISHED_SUITES = [s for s in load_suites(SUITES_DIR) if s.stage in ("marts", "scores")]


def _suite_file(suite: Suite) -> str:
    return suite.path.relative_to(SUITES_DIR).with_suffix("").as_posix()


# Critical failures of each suite when its table is empty, on a warehouse never published.
EMPTY = {
    "marts.dim_lead_profile_history": ["rows_match_inputs"],
    "marts.dim_lead_profiles": ["rows_match_inputs"],
    "marts.dim_leads": ["rows_match_inputs"],
    "marts.dim_reps": ["rows_match_inputs"],
    "marts.fct_followup_evidence": ["every_judged_handoff_counted_once", "rows_reach_inputs"],
    "marts.fct_content_conversion": ["every_judged_engagement_counted_once", "first_touch_credited_once_per_kind", "rows_reach_inputs"],
    "marts.fct_icp_evidence": ["rows_reach_inputs"],
    "marts.fct_icp_proposal": ["every_training_lead_counted_once", "rows_match_inputs"],
    "marts.fct_icp_proposal_leads": ["rows_match_inputs"],
    "marts.fct_icp_proposal_tiers": ["rows_match_inputs", "tiers_add_up_to_the_period"],
    "marts.fct_late_data_daily": ["rows_reach_inputs"],
    "marts.fct_lead_next_question": ["rows_match_inputs"],
    "marts.fct_mql_missing_attributes": ["rows_match_inputs"],
    "marts.fct_lead_funnel_daily": [
        "every_day_present", "every_new_lead_counted_once", "every_session_counted_once", "rows_reach_inputs",
    ],
    "marts.fct_marketing_sla": ["rebuilt_as_of_run_day", "rows_match_inputs"],
    "marts.fct_marketing_sla_daily": ["no_missing_day", "rows_match_inputs"],
    "marts.fct_sales_sla": ["evaluated_as_of_the_run_day", "rows_match_inputs"],
    "marts.fct_sales_sla_daily": [
        "every_handoff_received_once", "every_rostered_day_present", "received_volume_within_band", "rows_reach_inputs",
    ],
    "marts.fct_sales_sla_weekly": ["rows_match_inputs", "weekly_reconciles_with_daily"],
    "scoring.lead_scores": ["rows_match_inputs"],
}

# Critical failures of each suite when every other row is deleted, the night after a publication
# of the whole table. The ICP evidence still has a value of every attribute, so its lower bound
# holds; what it counted does not. The funnel keeps a row for every day but one channel of two,
# below its bound (days with sessions times the leads' acquisition channels).
HALF = {
    "marts.dim_lead_profile_history": ["rows_match_inputs"],
    "marts.dim_lead_profiles": ["rows_match_inputs"],
    "marts.dim_leads": ["rows_match_inputs"],
    "marts.dim_reps": ["rows_match_inputs"],
    "marts.fct_followup_evidence": ["every_judged_handoff_counted_once", "values_cover_stratum"],
    "marts.fct_content_conversion": ["every_judged_engagement_counted_once", "first_touch_credited_once_per_kind", "rows_reach_inputs"],
    "marts.fct_icp_evidence": ["values_cover_population"],
    "marts.fct_icp_proposal": ["every_training_lead_counted_once", "rows_match_inputs"],
    "marts.fct_icp_proposal_leads": ["rows_match_inputs"],
    "marts.fct_icp_proposal_tiers": ["rows_match_inputs", "tiers_add_up_to_the_period"],
    "marts.fct_late_data_daily": ["rows_reach_inputs"],
    "marts.fct_lead_next_question": ["rows_match_inputs"],
    "marts.fct_mql_missing_attributes": ["rows_match_inputs"],
    "marts.fct_lead_funnel_daily": ["every_new_lead_counted_once", "every_session_counted_once", "rows_reach_inputs"],
    "marts.fct_marketing_sla": ["rows_match_inputs"],
    "marts.fct_marketing_sla_daily": ["rows_match_inputs"],
    "marts.fct_sales_sla": ["rows_match_inputs"],
    # two reps' rows of every day are gone: the run day keeps 9 of its 18 handoffs, a ratio of 0.5,
    # just inside the volume band
    "marts.fct_sales_sla_daily": ["every_handoff_received_once", "every_rostered_day_present", "rows_reach_inputs"],
    "marts.fct_sales_sla_weekly": ["rows_match_inputs", "weekly_reconciles_with_daily"],
    "scoring.lead_scores": ["rows_match_inputs"],
}

BY_SUITE = [pytest.param(s, id=_suite_file(s)) for s in PUBLISHED_SUITES]


def test_every_published_suite_has_its_expected_failures_listed() -> None:
    names = sorted(s.name for s in PUBLISHED_SUITES)
    assert len(names) == 20
    assert sorted(EMPTY) == sorted(HALF) == names


def _publish(conn: duckdb.DuckDBPyConnection, table: str, rows: int, day: date | None = None, at: str = "07:00:00") -> None:
    """A row of ``ops.publications`` as the publisher writes it (by default: the day before the run day)."""
    day = day or RUN_DATE - timedelta(days=1)
    conn.execute(PUBLICATIONS_DDL)
    published_at = datetime.fromisoformat(f"{day + timedelta(days=1)} {at}")
    conn.execute(f"INSERT INTO {PUBLICATIONS} VALUES (?, ?, ?, ?, ?)", [f"night-{day}", day, published_at, table, rows])


@pytest.mark.parametrize("suite", BY_SUITE)
def test_a_published_suite_fails_on_an_empty_table(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    suite: Suite,
) -> None:
    warehouse.execute(f"DELETE FROM {suite.spec.table}")
    report = validate(warehouse, suite.stage, suites_for(_suite_file(suite)), docs_dir=None)

    assert report.suites == (suite.name,) and not report.success
    assert sorted(o.expectation for o in report.critical_failures) == EMPTY[suite.name]
    exact = suite.spec.row_count.expected is not None
    row_count = outcome(report, suite.name, "rows_match_inputs" if exact else "rows_reach_inputs")
    assert row_count.severity == "critical" and row_count.success is False
    assert '"table_rows": 0,' in row_count.observed_value
    # nothing was published yet (run_validation created ops.publications empty): no baseline, which passes
    assert warehouse.execute(f"SELECT count(*) FROM {PUBLICATIONS}").fetchall() == [(0,)]
    assert outcome(report, suite.name, "rows_keep_previous_publication").success is True


@pytest.mark.parametrize("suite", BY_SUITE)
def test_a_published_suite_fails_on_half_its_rows(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    suite: Suite,
) -> None:
    table = suite.spec.table
    rows = warehouse.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    _publish(warehouse, table, rows)
    warehouse.execute(f"DELETE FROM {table} WHERE rowid % 2 = 0")
    kept = warehouse.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    assert kept == rows // 2

    report = validate(warehouse, suite.stage, suites_for(_suite_file(suite)), docs_dir=None)

    assert sorted(o.expectation for o in report.critical_failures) == sorted(
        [*HALF[suite.name], "rows_keep_previous_publication"]
    )
    kept_share = outcome(report, suite.name, "rows_keep_previous_publication")
    assert f'"previously_published_rows": {rows}, ' in kept_share.observed_value
    assert f'"share_of_previous_publication": {kept / rows}' in kept_share.observed_value


# --- the previous publication as a baseline ---------------------------------------------------

DAILY = "marts.fct_sales_sla_daily"  # 240 rows in the good warehouse: 4 rostered reps, 60 days


@pytest.mark.parametrize(
    ("published_rows", "passes", "share"),
    [
        pytest.param(None, True, None, id="never-published"),
        pytest.param(236, True, 240 / 236, id="yesterday-one-day-shorter"),
        pytest.param(266, True, 240 / 266, id="kept-just-over-90-percent"),
        pytest.param(267, False, 240 / 267, id="kept-just-under-90-percent"),
    ],
)
def test_a_table_keeps_most_rows_of_its_previous_publication(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    published_rows: int | None,
    passes: bool,
    share: float | None,
) -> None:
    if published_rows is not None:
        _publish(warehouse, DAILY, published_rows)
    report = validate(warehouse, "marts", suites_for("marts/fct_sales_sla_daily"), docs_dir=None)

    kept = outcome(report, DAILY, "rows_keep_previous_publication")
    assert kept.success is passes
    assert [o.expectation for o in report.critical_failures] == ([] if passes else ["rows_keep_previous_publication"])
    shown = "null" if share is None else repr(share)
    assert '"table_rows": 240, ' in kept.observed_value
    assert f'"share_of_previous_publication": {shown}' in kept.observed_value


# --- the row_count declaration --------------------------------------------------------------

SUITE = {
    "table": "marts.example",
    "stage": "marts",
    "description": "A suite for the row count tests.",
    "where": "day <= DATE '${run_date}'",
    "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "amount", "min_value": 0},
         "severity": "critical", "why": "amounts are not negative"},
    ],
}


def _spec(**row_count) -> SuiteSpec:
    return SuiteSpec.model_validate({**SUITE, "row_count": {"why": "one row per input row", **row_count}})


@pytest.mark.parametrize(
    ("row_count", "name", "kwargs"),
    [
        pytest.param({"expected": "SELECT 3"}, "rows_match_inputs",
                     {"column": "rows_beyond_inputs", "min_value": 0, "max_value": 0}, id="expected-exactly"),
        pytest.param({"at_least": "SELECT 3"}, "rows_reach_inputs",
                     {"column": "rows_beyond_inputs", "min_value": 0}, id="at-least"),
    ],
)
def test_row_count_becomes_a_derived_input_and_two_critical_checks(row_count: dict, name: str, kwargs: dict) -> None:
    declared = _spec(**row_count)
    spec = declared.with_row_count_checks()

    assert [e.label for e in spec.expectations] == [
        "expect_column_values_to_be_between(amount)", name, "rows_keep_previous_publication",
    ]
    bound, kept = spec.expectations[1:]
    assert (bound.input, bound.severity, bound.kwargs, bound.why) == (ROW_COUNT_INPUT, "critical", kwargs, "one row per input row")
    assert (kept.input, kept.severity) == (ROW_COUNT_INPUT, "critical")
    assert kept.kwargs == {"column": "share_of_previous_publication", "min_value": 0.9}
    assert "keeps at least 90% of the rows" in kept.why
    assert list(spec.inputs) == [ROW_COUNT_INPUT]
    assert declared.inputs == {} and len(declared.expectations) == 1  # the declared suite is left as it was


@pytest.mark.parametrize(
    ("publications", "previous"),
    [
        pytest.param([], None, id="never-published"),
        pytest.param([(2, "07:00", "marts.example", 9), (1, "07:00", "marts.example", 5)], 5,
                     id="the-latest-day-before-the-run-day"),
        pytest.param([(1, "07:00", "marts.example", 9), (1, "09:30", "marts.example", 5)], 5,
                     id="a-day-published-twice-its-last-publication"),
        pytest.param([(1, "07:00", "marts.example", 5), (0, "08:00", "marts.example", 50)], 5,
                     id="not-the-run-days-own-publication"),
        pytest.param([(1, "07:00", "marts.other", 70)], None, id="not-another-tables-publication"),
    ],
)
def test_row_count_sql_counts_the_filtered_table_against_its_inputs_and_the_previous_publication(
    publications: list[tuple[int, str, str, int]], previous: int | None
) -> None:
    spec = _spec(expected="SELECT count(*) FROM staging.example_inputs").with_row_count_checks()
    conn = duckdb.connect()
    conn.execute(f"""
        CREATE SCHEMA marts; CREATE SCHEMA staging; CREATE SCHEMA ops;
        CREATE TABLE marts.example AS SELECT DATE '{RUN_DATE}' + CAST(2 - i AS INTEGER) AS day, 1.0 AS amount FROM range(6) AS t(i);
        CREATE TABLE staging.example_inputs AS SELECT i FROM range(3) AS t(i);
    """)
    for days_before, at, table, rows in publications:
        _publish(conn, table, rows, RUN_DATE - timedelta(days=days_before), f"{at}:00")
    conn.execute(PUBLICATIONS_DDL)  # as run_validation does before validating
    sql = substitute_sql(spec.inputs[ROW_COUNT_INPUT], {"run_date": RUN_DATE}, "here")
    cursor = conn.execute(sql)
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchall()[0]))
    # 6 rows, 4 of them up to the run day (the suite's where), against 3 input rows
    assert row == {
        "table_rows": 4, "expected_rows": 3, "previously_published_rows": previous,
        "rows_beyond_inputs": 1, "share_of_previous_publication": None if previous is None else 4 / previous,
    }


def test_the_share_of_the_previous_publication_to_keep_is_declared_per_suite() -> None:
    kept = _spec(expected="SELECT 1", min_share_of_previous_publication=0.75).with_row_count_checks().expectations[-1]
    assert kept.kwargs == {"column": "share_of_previous_publication", "min_value": 0.75}
    assert "keeps at least 75% of the rows it had in the previous published day" in kept.why


def test_a_suite_without_row_count_is_left_as_declared() -> None:
    spec = SuiteSpec.model_validate(SUITE)
    assert spec.with_row_count_checks() is spec


@pytest.mark.parametrize(
    ("row_count", "message"),
    [
        pytest.param({"expected": "SELECT 1", "at_least": "SELECT 1", "why": "rows"},
                     "row_count gives exactly one of `expected` or `at_least`", id="both-bounds"),
        pytest.param({"why": "rows"}, "row_count gives exactly one of `expected` or `at_least`", id="no-bound"),
        pytest.param({"expected": "SELECT 1", "why": "rows", "min_share_of_previous_publication": 0},
                     "greater than 0", id="share-zero"),
        pytest.param({"expected": "SELECT 1", "why": "rows", "min_share_of_previous_publication": 1.2},
                     "less than or equal to 1", id="share-above-one"),
        pytest.param({"expected": "SELECT 1"}, "why\n  Field required", id="no-why"),
        pytest.param({"expected": "SELECT 1", "why": "rows", "maximum": "SELECT 2"}, "Extra inputs are not permitted",
                     id="unknown-key"),
    ],
)
def test_an_invalid_row_count_is_refused(row_count: dict, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        RowCountSpec.model_validate(row_count)
    assert message in str(raised.value)


def test_the_row_count_input_name_is_reserved() -> None:
    spec = SuiteSpec.model_validate({
        **SUITE, "inputs": {ROW_COUNT_INPUT: "SELECT 1 AS n"}, "row_count": {"expected": "SELECT 1", "why": "rows"},
    })
    with pytest.raises(ValueError, match="input name 'row_count' is reserved for the row_count checks"):
        spec.with_row_count_checks()
