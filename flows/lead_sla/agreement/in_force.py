"""An agreement version in force for every day a build judges, checked before anything is built.

A build as of day D judges every handoff up to D by the SLA and ICP versions in force on the
handoff's day, and every month of marketing targets by the version in force on the month's first day. History older than the agreement's first version would otherwise reach dbt and fail
there with a test that says nothing of the cause (``not_null_fct_sales_sla_priority``, thousands of
rows). :func:`require_in_force` says so first, naming the day and the first version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from lead_sla.agreement.errors import AgreementError
from lead_sla.agreement.loader import ICP_FILE, SLA_FILE, Agreement, VersionSpan


class AgreementNotInForce(AgreementError):
    """No SLA or ICP version is in force on a day a build judges; the message names the day, the
    file, its first version and the command that writes one."""

    def __init__(self, message: str, day: date) -> None:
        super().__init__(message)
        self.day = day


def first_day_without_version(spans: Sequence[VersionSpan[Any]], first: date, last: date) -> date | None:
    """The first day of ``first``..``last`` (both included) on which no span is in force, else None."""
    day = first
    while day <= last:
        covering = next((s for s in spans if s.in_force_on(day)), None)
        if covering is None:
            return day
        if covering.effective_to is None:
            return None
        day = covering.effective_to
    return None


def require_in_force(agreement: Agreement, first: date, last: date, *, why: str) -> None:
    """Raise ``AgreementNotInForce`` unless an SLA and an ICP version are in force on every day
    from ``first`` to ``last``; ``why`` says what ``first`` is (e.g. "the first handoff")."""
    for label, file, spans in (("SLA", SLA_FILE, agreement.sla_versions), ("ICP", ICP_FILE, agreement.icp_versions)):
        day = first_day_without_version(spans, first, last)
        if day is None:
            continue
        earliest = spans[0]
        if day < earliest.effective_from:
            hint = (f"its first version, {earliest.version.version!r}, is in force from {earliest.effective_from}. "
                    f"`lead-sla agreement init --effective-from {day}` writes a first version from the defaults "
                    "(into LEAD_SLA_CONFIG_DIR)")
        else:
            hint = f"the versions of {file} leave {day} uncovered (an effective_to with no version after it)"
        where = f" ({why}; a month is judged by the version in force on its first day)" if day == first and why else ""
        raise AgreementNotInForce(f"{file}: no {label} version is in force on {day}{where}; {hint}", day)


def first_handoff_day(conn: duckdb.DuckDBPyConnection, reporting_timezone: str) -> date | None:
    """The reporting-zone day of the earliest change into mql in ``raw.lifecycle_changes`` (None when
    it holds none): the first day a build judges by the agreement."""
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'lifecycle_changes'"
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute(
        "select cast(timezone(?, timezone('UTC', min(try_cast(changed_at as timestamp)))) as date) "
        "from raw.lifecycle_changes where lower(trim(to_stage)) = 'mql'",
        [reporting_timezone],
    ).fetchone()
    return row[0] if row and row[0] is not None else None


def first_judged_day(day: date) -> date:
    """The first day a build judges when its history starts on ``day``: the first of that month,
    since a month's marketing targets are those of the version in force on its first day."""
    return day.replace(day=1)


def require_in_force_for_build(agreement: Agreement, conn: duckdb.DuckDBPyConnection, build_day: date,
                               reporting_timezone: str) -> None:
    """Every day a build as of ``build_day`` judges, from the first day of the month of the first
    handoff the warehouse holds (or of ``build_day``) to ``build_day``, has an SLA and an ICP
    version in force."""
    first = first_handoff_day(conn, reporting_timezone)
    if first is None or first > build_day:
        require_in_force(agreement, first_judged_day(build_day), build_day,
                         why=f"the first day of the month of {build_day}, the day being built")
    else:
        require_in_force(agreement, first_judged_day(first), build_day,
                         why=f"the first day of the month of {first}, the first handoff the warehouse holds")

