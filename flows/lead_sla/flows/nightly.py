"""The nightly flow: extract, then build and test the warehouse as of the run day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task

from lead_sla.flows.extract import extract
from lead_sla.settings import Settings
from lead_sla.transform.build import build_day
from lead_sla.transform.dbt import DbtResult


def yesterday(settings: Settings, now: datetime | None = None) -> date:
    """Yesterday in the reporting time zone: the day a nightly run builds by default."""
    now = now or datetime.now(ZoneInfo("UTC"))
    return (now.astimezone(ZoneInfo(settings.reporting_timezone)) - timedelta(days=1)).date()


@task(task_run_name="dbt-build-{run_date}")
def transform(settings: Settings, run_date: date) -> DbtResult:
    """Write the agreement tables and ``dbt build`` as of ``run_date`` (never retried: a failing test is a bug)."""
    return build_day(settings, run_date)


@flow(name="nightly", log_prints=True)
def nightly(run_date: date | None = None, settings: Settings | None = None) -> date:
    """Build day ``run_date`` (default: yesterday in the reporting zone): extract, then transform and test."""
    settings = settings or Settings()
    day = run_date or yesterday(settings)
    logger = get_run_logger()
    extract(settings=settings, up_to=day)
    result = transform(settings, day)
    logger.info("dbt build for %s: %s", day, result.summary())
    return day
