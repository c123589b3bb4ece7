"""Write the agreement into the warehouse: the ``config.*`` tables and ``reference.public_holidays``
(the national calendar of every holiday country, subdivision null, and one calendar per ISO 3166-2
subdivision of it).

The dbt project declares these tables as sources (``models/staging/agreement/``). They are
rewritten whole, in one transaction, before every dbt build: a reader sees the old agreement or
the new one, never a mix, and writing the same agreement twice leaves identical tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from lead_sla.agreement.holiday_calendar import public_holidays
from lead_sla.agreement.loader import Agreement
from lead_sla.agreement.models import SegmentTarget

# Table name -> column DDL; the dbt project declares the same columns as sources
# (models/staging/agreement/_agreement__sources.yml).
AGREEMENT_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "config.sla_versions": (
        ("sla_version", "VARCHAR NOT NULL"),
        ("effective_from", "DATE NOT NULL"),
        ("effective_to", "DATE"),
        ("routing_limit_business_minutes", "INTEGER NOT NULL"),
        ("min_attempts", "INTEGER NOT NULL"),
        ("attempt_window_business_days", "INTEGER NOT NULL"),
        ("acceptance_window_days", "INTEGER NOT NULL"),
        ("default_timezone", "VARCHAR NOT NULL"),
        ("default_country", "VARCHAR NOT NULL"),
        ("default_work_start", "TIME NOT NULL"),
        ("default_work_end", "TIME NOT NULL"),
        ("recently_overdue_business_days", "INTEGER NOT NULL"),
        ("outcome_window_days", "INTEGER NOT NULL"),
        ("untouched_after_business_days", "INTEGER NOT NULL"),
        ("untouched_action", "VARCHAR NOT NULL"),
    ),
    "config.sla_late_severity_bands": (
        ("sla_version", "VARCHAR NOT NULL"),
        ("band", "VARCHAR NOT NULL"),
        ("band_rank", "INTEGER NOT NULL"),
        ("up_to_business_minutes", "INTEGER"),
        ("up_to_business_days", "INTEGER"),
    ),
    "config.sla_response_targets": (
        ("sla_version", "VARCHAR NOT NULL"),
        ("priority", "VARCHAR NOT NULL"),
        ("business_minutes", "INTEGER NOT NULL"),
        ("priority_rank", "INTEGER NOT NULL"),
    ),
    "config.marketing_targets": (
        ("sla_version", "VARCHAR NOT NULL"),
        ("target_month", "DATE NOT NULL"),
        ("segment", "VARCHAR NOT NULL"),
        ("mql_target", "INTEGER NOT NULL"),
        ("lead_value_target", "DECIMAL(18,2)"),
        ("target_method", "VARCHAR NOT NULL"),
        # The inputs of a revenue_math target, frozen in the version (null for manual targets).
        ("revenue_goal", "DECIMAL(18,2)"),
        ("marketing_share", "DECIMAL(9,6)"),
        ("average_deal_size", "DECIMAL(18,2)"),
        ("lead_to_customer_rate", "DECIMAL(9,6)"),
        ("revenue_math_basis", "VARCHAR"),
    ),
    "config.segments": (
        ("sla_version", "VARCHAR NOT NULL"),
        ("company_size_band", "VARCHAR NOT NULL"),
        ("segment", "VARCHAR NOT NULL"),
    ),
    "config.icp_versions": (
        ("icp_version", "VARCHAR NOT NULL"),
        ("effective_from", "DATE NOT NULL"),
        ("effective_to", "DATE"),
        ("tier_a_min_points", "INTEGER NOT NULL"),
        ("tier_b_min_points", "INTEGER NOT NULL"),
    ),
    "config.icp_rules": (
        ("icp_version", "VARCHAR NOT NULL"),
        ("rule_id", "VARCHAR NOT NULL"),
        ("attribute", "VARCHAR NOT NULL"),
        ("attribute_value", "VARCHAR NOT NULL"),
        ("points", "INTEGER NOT NULL"),
        ("label", "VARCHAR NOT NULL"),
    ),
    "config.icp_win_rates": (
        ("icp_version", "VARCHAR NOT NULL"),
        ("tier", "VARCHAR NOT NULL"),
        ("win_probability", "DECIMAL(9,6) NOT NULL"),
        ("average_deal_size", "DECIMAL(18,2) NOT NULL"),
    ),
    # One row per calendar and day: (country, subdivision, holiday_date) is unique, subdivision null
    # for the national calendar (a SQL key cannot hold a null, so tests/agreement checks it).
    "reference.public_holidays": (
        ("country", "VARCHAR NOT NULL"),
        ("subdivision", "VARCHAR"),
        ("holiday_date", "DATE NOT NULL"),
        ("holiday_name", "VARCHAR NOT NULL"),
    ),
}


def _months(first: date, end_exclusive: date | None, last_year: int) -> list[date]:
    """First days of the months whose first day falls in [first, end_exclusive) (or to Dec of last_year)."""
    month = date(first.year, first.month, 1)
    if month < first:
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    out = []
    while (end_exclusive is None and month.year <= last_year) or (end_exclusive is not None and month < end_exclusive):
        out.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def _target_row(version: str, month: date, segment: str, target: SegmentTarget) -> tuple[Any, ...]:
    math_ = target.revenue_math
    return (
        version, month, segment, target.mql_target, target.lead_value_target, target.target_method,
        math_.revenue_goal if math_ else None,
        math_.marketing_share if math_ else None,
        math_.average_deal_size if math_ else None,
        math_.lead_to_customer_rate if math_ else None,
        math_.basis if math_ else None,
    )


def agreement_rows(agreement: Agreement, years: Iterable[int]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every agreement table, as ``write_agreement_tables`` writes them.

    Marketing targets are expanded to one row per month and segment: a month belongs to the SLA
    version in force on its first day; a month listed under ``marketing.months`` overrides the
    version's ``default_targets`` segment by segment; an open-ended version is expanded to the end
    of the last of ``years``.
    """
    year_list = sorted(set(years))
    last_year = year_list[-1] if year_list else date.today().year
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in AGREEMENT_TABLES}
    for span in agreement.sla_versions:
        v = span.version
        cal = v.default_calendar
        rows["config.sla_versions"].append((
            v.version, span.effective_from, span.effective_to, v.routing_limit_business_minutes,
            v.attempts.min_attempts, v.attempts.window_business_days, v.acceptance_window_days,
            cal.timezone, cal.country, cal.work_start, cal.work_end,
            v.priority_list.recently_overdue_business_days, v.outcome_window_days,
            v.untouched_lead.after_business_days, v.untouched_lead.action,
        ))
        bands = v.late_severity.bands
        for rank, band in enumerate(bands, start=1):
            rows["config.sla_late_severity_bands"].append(
                (v.version, band.band, rank, band.up_to_business_minutes, band.up_to_business_days)
            )
        rows["config.sla_late_severity_bands"].append((v.version, v.late_severity.beyond, len(bands) + 1, None, None))
        for target in v.response_targets:
            rows["config.sla_response_targets"].append(
                (v.version, target.priority, target.business_minutes, v.priority_rank(target.priority))
            )
        for segment, bands in v.segments.items():
            for band in bands:
                rows["config.segments"].append((v.version, band, segment))
        overrides = {m.month: m.targets for m in v.marketing.months}
        months = sorted(set(_months(span.effective_from, span.effective_to, last_year)) | set(overrides))
        for month in months:
            targets = {**v.marketing.default_targets, **overrides.get(month, {})}
            for segment, target in targets.items():
                rows["config.marketing_targets"].append(_target_row(v.version, month, segment, target))
    for span in agreement.icp_versions:
        v = span.version
        rows["config.icp_versions"].append(
            (v.version, span.effective_from, span.effective_to, v.tiers.a_min_points, v.tiers.b_min_points)
        )
        for rule in v.rules:
            for value in rule.values:
                rows["config.icp_rules"].append((v.version, rule.id, rule.attribute, value, rule.points, rule.label))
        for tier, rate in sorted(v.win_rates.items()):
            rows["config.icp_win_rates"].append((v.version, tier, rate.win_probability, rate.average_deal_size))
    for holiday in public_holidays(agreement.sla.calendar.holiday_countries, year_list, agreement.holidays):
        rows["reference.public_holidays"].append(
            (holiday.country, holiday.subdivision, holiday.holiday_date, holiday.holiday_name)
        )
    return rows


def write_agreement_tables(conn: duckdb.DuckDBPyConnection, agreement: Agreement, years: Iterable[int]) -> None:
    """(Re)write the ``config.*`` tables and ``reference.public_holidays`` in one transaction.

    ``years``: the calendar years to cover with public holidays and open-ended monthly targets
    (the caller passes the years of the data plus the next one, since due times can fall after
    the build day). Idempotent: the same agreement and years give the same tables.
    """
    rows = agreement_rows(agreement, years)
    conn.execute("BEGIN TRANSACTION")
    try:
        for table, columns in AGREEMENT_TABLES.items():
            schema = table.split(".")[0]
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
            conn.execute(f"CREATE OR REPLACE TABLE {table} ({ddl})")
            if rows[table]:
                _insert(conn, table, columns, rows[table])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _insert(
    conn: duckdb.DuckDBPyConnection, table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` in one statement: through Arrow, since ``executemany`` takes seconds for the
    tens of thousands of holiday rows. DuckDB casts every column to the table's type (and enforces
    its NOT NULLs)."""
    data = pa.table({name: pa.array([row[i] for row in rows]) for i, (name, _) in enumerate(columns)})
    conn.from_arrow(data).insert_into(table)
