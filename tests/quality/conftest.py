"""Fixtures of the data-quality tests: small DuckDB warehouses with the real table layouts.

Raw tables come from ``ensure_raw_schema`` and get a few valid versions per stream, generated from
the stream contract. Mart tables are created with SQL holding the columns the mart suites read,
filled with a consistent history of ``HISTORY_DAYS`` days up to ``RUN_DATE``: 20 handoffs a day,
each its own contact, 90% assigned within ten minutes, four reps, a steady 20% breach rate.
Each warehouse is built once per session and copied for every test that changes it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.raw import ensure_raw_schema, raw_table
from lead_sla.quality import ValidationReport, run_validation
from lead_sla.settings import find_project_root
from lead_sla.sources.streams import STREAMS, Column, Stream

PROJECT_ROOT = find_project_root(Path(__file__))
SUITES_DIR = PROJECT_ROOT / "expectations"
RUN_DATE = date(2026, 10, 28)      # a Wednesday
HISTORY_DAYS = 60
EXTRACTED_AT = datetime.combine(RUN_DATE + timedelta(days=1), time(2, 0))
# The end of the run day in America/New_York (EDT, UTC-4), as naive UTC.
AS_OF_UTC = "TIMESTAMP '2026-10-29 04:00:00'"


# --- raw -----------------------------------------------------------------------------------

def _raw_value(stream: Stream, column: Column, i: int) -> str:
    day = RUN_DATE - timedelta(days=i)
    if column.name == stream.key:
        return f"{stream.name}-{i}"
    return {
        "str": f"{column.name}-{i}",
        "int": str(10 + i),
        "decimal": "1250.50",
        "bool": "true" if i % 2 else "false",
        "timestamp": f"{day.isoformat()} 1{i}:15:00",
        "date": day.isoformat(),
        "time": "09:00",
        "email": f"person{i}@example.com",
        "enum": column.values[i % len(column.values)] if column.values else f"{column.name}-{i}",
        "zone": "America/New_York",
    }[column.kind]


def fill_raw(conn: duckdb.DuckDBPyConnection, versions: int = 3) -> None:
    """``versions`` valid versions per stream, the newest exported on the run day."""
    ensure_raw_schema(conn)
    for stream in STREAMS:
        names = [*stream.column_names, "_batch_id", "_extracted_at", "_source", "_source_line", "_export_date", "_row_hash"]
        for i in range(versions):
            values = [_raw_value(stream, c, i) for c in stream.columns]
            values += [f"batch-{stream.name}", EXTRACTED_AT, f"{stream.name}/{RUN_DATE - timedelta(days=i)}/part-0",
                       i + 1, RUN_DATE - timedelta(days=i), f"hash-{stream.name}-{i}"]
            quoted = ", ".join(f'"{n}"' for n in names)
            conn.execute(
                f"INSERT INTO {raw_table(stream)} ({quoted}) VALUES ({', '.join('?' for _ in names)})", values
            )


# --- marts ---------------------------------------------------------------------------------

MART_DDL = f"""
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE marts.fct_sales_sla AS
WITH days AS (
    SELECT CAST(DATE '{RUN_DATE}' - INTERVAL (d) DAY AS DATE) AS day
    FROM range({HISTORY_DAYS}) AS t(d)
),
slots AS (
    SELECT day, i, CAST(day AS TIMESTAMP) + INTERVAL 13 HOUR + INTERVAL (i) MINUTE AS handed_off_at
    FROM days, range(20) AS s(i)
)
SELECT
    'h-' || strftime(day, '%Y%m%d') || '-' || i AS handoff_id,
    'c-' || strftime(day, '%Y%m%d') || '-' || i AS contact_id,
    1 AS handoff_number,
    handed_off_at,
    day AS handoff_date,
    CASE WHEN i < 18 THEN 'u' || (i % 4) END AS owner_id,
    CASE WHEN i < 18 THEN handed_off_at + INTERVAL 10 MINUTE END AS owner_assigned_at,
    CASE WHEN i < 18 THEN 10.0 END AS routing_minutes,
    CASE WHEN i < 18 THEN 'u' || (i % 4) END AS rep_owner_id,
    ['smb', 'mid_market', 'enterprise'][1 + i % 3] AS segment,
    'v1' AS icp_version,
    CAST((i * 5) % 101 AS DOUBLE) AS fit_score,
    240 AS sla_target_business_minutes,
    handed_off_at + INTERVAL 40 MINUTE AS first_touch_at,
    30.0 AS response_minutes,
    30.0 AS response_business_minutes,
    CASE WHEN i < 18 THEN 30.0 END AS rep_response_business_minutes,
    CAST(NULL AS DOUBLE) AS late_business_minutes,
    2 AS attempts_in_window,
    CASE WHEN day < DATE '{RUN_DATE}' - 1 THEN handed_off_at + INTERVAL 1 DAY END AS outcome_at,
    CASE WHEN day < DATE '{RUN_DATE}' - 1 THEN 1440.0 END AS minutes_to_outcome,
    {AS_OF_UTC} AS evaluated_as_of
FROM slots;

CREATE TABLE marts.dim_leads AS
SELECT contact_id AS lead_id, contact_id, handed_off_at - INTERVAL 1 HOUR AS first_known_at,
       handoff_date AS first_known_date, handed_off_at AS became_mql_at,
       CAST(NULL AS TIMESTAMP) AS became_customer_at, 1 AS handoff_count, fit_score,
       0.5 AS profile_completeness, 'v1' AS icp_version
FROM marts.fct_sales_sla
UNION ALL
SELECT 'form-lead-' || i, NULL, TIMESTAMP '{RUN_DATE} 12:00:00' - INTERVAL (i) DAY,
       CAST(DATE '{RUN_DATE}' - INTERVAL (i) DAY AS DATE), NULL, NULL, 0, 40.0, 0.25, 'v1'
FROM range(5) AS t(i);

CREATE TABLE marts.dim_lead_profiles AS
SELECT lead_id, contact_id, profile_completeness, icp_version, first_known_at AS profile_updated_at
FROM marts.dim_leads;

CREATE TABLE marts.dim_lead_profile_history AS
SELECT lead_id || ':industry:1' AS profile_interval_id, lead_id, contact_id, 'industry' AS attribute,
       'software' AS attribute_value, first_known_at AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to,
       first_known_at + INTERVAL 30 MINUTE AS last_seen_at, 2 AS times_seen, 'form' AS source
FROM marts.dim_leads;

CREATE TABLE marts.fct_sales_sla_daily AS
SELECT CAST(DATE '{RUN_DATE}' - INTERVAL (d) DAY AS DATE) AS activity_date, 'u' || o AS owner_id,
       5 AS handoffs_received, 5 AS handoffs_due, 4 AS handoffs_met_by_due, 1 AS handoffs_breached,
       0 AS handoffs_pending, 30.0 AS median_response_business_minutes, 90.0 AS p90_response_business_minutes,
       0.8 AS sla_attainment
FROM range({HISTORY_DAYS}) AS t(d), range(4) AS u(o);

CREATE TABLE marts.fct_marketing_sla_daily AS
WITH days AS (
    SELECT CAST(DATE '{RUN_DATE}' - INTERVAL (d) DAY AS DATE) AS report_date FROM range({HISTORY_DAYS}) AS t(d)
)
SELECT report_date, CAST(date_trunc('month', report_date) AS DATE) AS month_start, segment,
       5 * dayofmonth(report_date) AS mqls_delivered, dayofmonth(report_date) AS tier_a_mqls,
       2 * dayofmonth(report_date) AS mqls_accepted_within_window, 100 AS mql_target,
       0.2 AS tier_a_share, 0.4 AS acceptance_rate, 5 * dayofmonth(report_date) / 100.0 AS mql_attainment,
       1.0 AS pace_attainment, 22 AS business_days_in_month,
       least(22, CAST(dayofmonth(report_date) * 5 / 7 AS INTEGER)) AS business_days_elapsed
FROM days, (VALUES ('smb'), ('mid_market'), ('enterprise')) AS s(segment);

CREATE TABLE marts.fct_marketing_sla AS
SELECT CAST(date_trunc('month', handoff_date) AS DATE) AS month_start, segment,
       least(max(handoff_date), DATE '{RUN_DATE}') AS report_date,
       count(*) AS mqls_delivered, count(*) // 5 AS tier_a_mqls, count(*) // 2 AS mqls_accepted_within_window,
       count(*) // 10 AS mqls_rejected, 200 AS mql_target, count(*) / 200.0 AS mql_attainment,
       0.9 AS lead_value_attainment, 1.0 AS projected_attainment, 0.2 AS tier_a_share, 0.5 AS acceptance_rate,
       22 AS business_days_in_month, 15 AS business_days_elapsed
FROM marts.fct_sales_sla
GROUP BY 1, 2;

CREATE TABLE marts.fct_lead_funnel_daily AS
SELECT CAST(DATE '{RUN_DATE}' - INTERVAL (d) DAY AS DATE) AS report_date, channel,
       500 AS sessions, 400 AS unique_visitors, 10 AS new_leads, 4 AS mqls, 2 AS sqls, 1 AS opportunities,
       0 AS won_deals, CAST(0 AS DECIMAL(18, 2)) AS won_amount,
       10 / 400.0 AS visitor_to_lead_rate, 0.4 AS lead_to_mql_rate, 0.5 AS mql_to_sql_rate,
       0.5 AS sql_to_opportunity_rate, 0.0 AS opportunity_to_won_rate
FROM range({HISTORY_DAYS}) AS t(d), (VALUES ('organic_search'), ('paid_search')) AS c(channel);

CREATE TABLE marts.fct_icp_evidence AS
SELECT * FROM (VALUES
    ('v1', 'attribute_value', 'industry', 'software', 60, 6, 0.10, 0.08, 0.05, 0.20, 0.6, 0.75, 1.25),
    ('v1', 'attribute_value', 'industry', 'retail', 40, 2, 0.05, 0.08, 0.01, 0.17, 0.4, 0.25, 0.625),
    ('v1', 'tier', 'icp_tier', 'A', 30, 5, 0.1667, 0.08, 0.07, 0.34, 0.3, 0.625, 2.08),
    ('v1', 'tier', 'icp_tier', 'B', 70, 3, 0.0429, 0.08, 0.01, 0.12, 0.7, 0.375, 0.54)
) AS t(icp_version, evidence_type, attribute, attribute_value, leads, wins, win_rate, overall_win_rate,
       win_rate_lower_95, win_rate_upper_95, share_of_leads, share_of_wins, lift);
"""


def fill_marts(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(MART_DDL)


def create_lead_scores(conn: duckdb.DuckDBPyConnection) -> None:
    """``scoring.lead_scores`` with the scoring flow's columns (flows/lead_sla/scoring/tables.py):
    the run day's scores of every lead, and an older day that the suite must leave alone."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS scoring")
    conn.execute(
        f"""CREATE TABLE scoring.lead_scores AS
            SELECT CAST(day AS DATE) AS score_date, lead_id, contact_id, 'u1' AS owner_id, 'mql' AS lifecycle_stage,
                   CAST(day AS TIMESTAMP) + INTERVAL 28 HOUR AS scored_as_of, icp_version,
                   CAST(fit_score AS INTEGER) AS fit_points, fit_score, CASE WHEN fit_score >= 70 THEN 'A' ELSE 'B' END AS icp_tier,
                   profile_completeness, 20.0 AS engagement_points, CAST(39.3 AS DOUBLE) AS engagement_score,
                   0.6 * fit_score + 0.4 * 39.3 AS combined_score,
                   CASE WHEN fit_score > 50 THEN 0.3 END AS p_convert,
                   0.6 * fit_score + 0.4 * 39.3 AS priority_score, 'fit_engagement' AS score_basis,
                   CAST(NULL AS VARCHAR) AS model_version, 'too little labelled history' AS model_status,
                   true AS is_handed_off
            FROM marts.dim_leads, (VALUES (DATE '{RUN_DATE}'), (DATE '{RUN_DATE}' - 1)) AS d(day)"""
    )
    # the older day was scored with a bug the run day's checks must not see
    conn.execute(f"UPDATE scoring.lead_scores SET fit_score = 140 WHERE score_date < DATE '{RUN_DATE}'")


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with valid raw tables and marts (built once; copy it before changing it)."""
    path = tmp_path_factory.mktemp("good") / "warehouse.duckdb"
    conn = duckdb.connect(str(path))
    try:
        fill_raw(conn)
        fill_marts(conn)
    finally:
        conn.close()
    return path


@pytest.fixture
def warehouse(good_warehouse: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private, writable copy of the good warehouse."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(good_warehouse, path)
    conn = duckdb.connect(str(path))
    conn.execute("SET TimeZone = 'UTC'")
    yield conn
    conn.close()


@pytest.fixture
def suites_for(tmp_path: Path) -> Callable[..., Path]:
    """A suites folder holding copies of the named committed suites (``"marts/fct_sales_sla"``)."""

    def make(*names: str) -> Path:
        target = tmp_path / "expectations"
        for name in names:
            source = SUITES_DIR / f"{name}.yml"
            (target / source.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / source.parent.name / source.name)
        return target

    return make


@pytest.fixture
def validate(tmp_path: Path) -> Callable[..., ValidationReport]:
    """Run ``run_validation`` for the test's run day with Data Docs under ``tmp_path``."""

    def run(conn: duckdb.DuckDBPyConnection, stage: str, suites_dir: Path = SUITES_DIR, **kwargs) -> ValidationReport:
        kwargs.setdefault("run_id", "test-run")
        kwargs.setdefault("run_date", RUN_DATE)
        kwargs.setdefault("docs_dir", tmp_path / "data_docs")
        return run_validation(conn, stage=stage, suites_dir=suites_dir, **kwargs)

    return run


def outcome(report: ValidationReport, suite: str, expectation: str):
    """The outcome of one expectation of one suite in ``report``."""
    found = [o for o in report.outcomes if o.suite == suite and o.expectation == expectation]
    assert found, f"no outcome {suite} / {expectation}; have {[o.expectation for o in report.outcomes if o.suite == suite]}"
    return found[0]
