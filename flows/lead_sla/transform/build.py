"""The transform stage: the agreement into the warehouse, then ``dbt build`` as of a day."""

from __future__ import annotations

from datetime import date

from lead_sla.agreement import load_agreement, write_agreement_tables
from lead_sla.agreement.in_force import require_in_force_for_build
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.ops.streams import record_night_streams
from lead_sla.publish.as_reported import ensure_as_reported_tables
from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.dbt import DbtResult, ProgressCallback, build
from lead_sla.warehouse import open_warehouse

# Public holidays are written for these years around the build day: history the calendar
# covers, plus the year after, where SLA due times of late-December handoffs can fall.
HOLIDAY_YEARS_BACK = 3
HOLIDAY_YEARS_AHEAD = 1


def write_agreement(settings: Settings, run_date: date) -> None:
    """Validate ``config/`` and (re)write the agreement tables the dbt project reads.

    Raises ``AgreementNotInForce`` (nothing written) when a day the build judges, from the first day
    of the month of the first handoff in raw to ``run_date``, has no SLA or ICP version in force.
    """
    agreement = load_agreement(settings.config)
    years = range(run_date.year - HOLIDAY_YEARS_BACK, run_date.year + HOLIDAY_YEARS_AHEAD + 1)
    conn = open_warehouse(settings)
    try:
        ensure_raw_schema(conn)
        require_in_force_for_build(agreement, conn, run_date, settings.reporting_timezone)
        write_agreement_tables(conn, agreement, years)
    finally:
        conn.close()


def build_day(settings: Settings, day: RunDay, *, full_refresh: bool = False,
              progress: ProgressCallback | None = None) -> DbtResult:
    """Write the agreement and run ``dbt build`` as of the run day ``day``; raises on any failure.

    ``progress`` is told how far the build has got (:class:`~lead_sla.transform.dbt.DbtProgress`).

    Afterwards the tables that keep first reports exist beside the daily facts (empty on a new
    warehouse), so the checks that compare with them can run, and ``ops.night_streams`` says which
    source streams the build had data for.
    """
    write_agreement(settings, day.run_date)
    result = build(settings, day, full_refresh=full_refresh, progress=progress)
    conn = open_warehouse(settings)
    try:
        ensure_as_reported_tables(conn)
        record_night_streams(conn)
    finally:
        conn.close()
    return result
