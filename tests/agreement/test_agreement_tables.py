"""The warehouse tables written by the loader equal the configuration, in one idempotent transaction."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lead_sla.agreement import AGREEMENT_TABLES, agreement_rows, load_agreement, write_agreement_tables
from lead_sla.agreement import tables as tables_module

YEARS = range(2025, 2028)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def _read(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    columns = ", ".join(name for name, _ in AGREEMENT_TABLES[table])
    return sorted(conn.execute(f"select {columns} from {table}").fetchall(), key=repr)


def test_tables_equal_the_config(conn, repo_config_dir: Path) -> None:
    agreement = load_agreement(repo_config_dir)
    write_agreement_tables(conn, agreement, YEARS)
    expected = agreement_rows(agreement, YEARS)
    for table in AGREEMENT_TABLES:
        assert _read(conn, table) == sorted(expected[table], key=repr), table


def test_rewriting_is_idempotent(conn, repo_config_dir: Path) -> None:
    agreement = load_agreement(repo_config_dir)
    write_agreement_tables(conn, agreement, YEARS)
    first = {table: _read(conn, table) for table in AGREEMENT_TABLES}
    write_agreement_tables(conn, agreement, YEARS)
    assert {table: _read(conn, table) for table in AGREEMENT_TABLES} == first


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "select sla_version, effective_from, effective_to from config.sla_versions order by 2",
            [("2025-01", date(2025, 1, 1), date(2026, 9, 1)), ("2026-09", date(2026, 9, 1), None)],
            id="sla-versions-chain",
        ),
        pytest.param(
            "select priority, business_minutes, priority_rank from config.sla_response_targets "
            "where sla_version = '2026-09' order by priority_rank",
            [("demo_request", 60, 1), ("tier_a", 180, 2), ("other", 480, 3)],
            id="response-targets-in-rank-order",
        ),
        pytest.param(
            "select routing_limit_business_minutes, min_attempts, attempt_window_business_days, "
            "acceptance_window_days, default_timezone, default_country, default_work_start, default_work_end "
            "from config.sla_versions where sla_version = '2025-01'",
            [(30, 5, 10, 30, "America/New_York", "US", time(9), time(17))],
            id="rules-and-default-calendar",
        ),
        pytest.param(
            "select sla_version, outcome_window_days from config.sla_versions order by 1",
            [("2025-01", 60), ("2026-09", 60)],
            id="outcome-window-of-the-follow-up-evidence",
        ),
        pytest.param(
            "select segment, mql_target, target_method, lead_value_target from config.marketing_targets "
            "where target_month = date '2025-12-01' order by segment",
            [("enterprise", 10, "manual", None), ("mid_market", 55, "revenue_math", Decimal("80000.00")),
             ("smb", 30, "manual", None), ("unknown", 1, "manual", None)],
            id="month-override-on-defaults",
        ),
        pytest.param(
            "select distinct sla_version from config.marketing_targets where target_month = date '2026-09-01'",
            [("2026-09",)],
            id="month-belongs-to-version-in-force-on-first-day",
        ),
        pytest.param(
            "select min(target_month), max(target_month), count(distinct target_month) from config.marketing_targets",
            [(date(2025, 1, 1), date(2027, 12, 1), 36)],
            id="open-version-expanded-to-last-year",
        ),
        pytest.param(
            "select segment from config.segments where sla_version = '2025-01' and company_size_band = '201-1000'",
            [("mid_market",)],
            id="segments",
        ),
        pytest.param(
            "select tier_a_min_points, tier_b_min_points from config.icp_versions where icp_version = 'icp-2026.2'",
            [(65, 40)],
            id="icp-tiers",
        ),
        pytest.param(
            "select rule_id, points from config.icp_rules where icp_version = 'icp-2025.1' "
            "and attribute = 'industry' and attribute_value = 'fintech'",
            [("industry_core", 25)],
            id="one-rule-row-per-value",
        ),
        pytest.param(
            "select sla_version, untouched_after_business_days, untouched_action from config.sla_versions order by 1",
            [("2025-01", 5, "recycle_to_marketing"), ("2026-09", 5, "recycle_to_marketing")],
            id="untouched-lead-point-per-version",
        ),
        pytest.param(
            "select win_probability * average_deal_size from config.icp_win_rates "
            "where icp_version = 'icp-2025.1' and tier = 'A'",
            [(Decimal("3600.00000000"),)],
            id="expected-revenue-of-tier-a",
        ),
        pytest.param(
            "select subdivision, holiday_name from reference.public_holidays "
            "where country = 'GB' and holiday_date = date '2026-08-31' order by subdivision nulls first",
            [("GB-ENG", "Late Summer Bank Holiday"), ("GB-NIR", "Late Summer Bank Holiday"),
             ("GB-WLS", "Late Summer Bank Holiday")],
            id="regional-holiday-only-in-its-subdivisions",
        ),
        pytest.param(
            "select holiday_name from reference.public_holidays "
            "where country = 'US' and subdivision is null and holiday_date = date '2026-07-03'",
            [("Independence Day (observed)",)],
            id="national-calendar-has-no-subdivision",
        ),
        pytest.param(
            "select count(*) = count(distinct (country, coalesce(subdivision, ''), holiday_date)) "
            "from reference.public_holidays",
            [(True,)],
            id="one-row-per-calendar-and-day",
        ),
    ],
)
def test_table_content(conn, repo_config_dir: Path, sql: str, expected: list[tuple]) -> None:
    write_agreement_tables(conn, load_agreement(repo_config_dir), YEARS)
    assert conn.execute(sql).fetchall() == expected


def test_failure_leaves_previous_tables(conn, repo_config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agreement = load_agreement(repo_config_dir)
    write_agreement_tables(conn, agreement, YEARS)
    before = {table: _read(conn, table) for table in AGREEMENT_TABLES}

    real_rows = tables_module.agreement_rows

    def broken_rows(agreement, years):
        rows = real_rows(agreement, years)
        rows["config.sla_versions"] = []  # the first table written is emptied ...
        rows["reference.public_holidays"] = [("US", None, None, "broken")]  # ... then the last one fails
        return rows

    monkeypatch.setattr(tables_module, "agreement_rows", broken_rows)
    with pytest.raises(duckdb.ConstraintException):
        write_agreement_tables(conn, agreement, YEARS)
    assert {table: _read(conn, table) for table in AGREEMENT_TABLES} == before
