"""The nightly and backfill flows: extract, build and test, validate, score, publish, report, one day at a time.

Each day runs as the ``day`` subflow with visible stages, each recorded in ``ops.run_stages``.
``nightly`` builds one day (default: yesterday in the reporting zone); ``backfill`` builds a
range in order, skipping days whose last run succeeded unless forced, so an interrupted
backfill resumes where it stopped. Both hold the warehouse's run lock: a second run on the
same warehouse refuses (or waits ``lock_wait_seconds``) with a message naming the holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context

from lead_sla.flows.extract import extract
from lead_sla.flows.scoring import score
from lead_sla.ops.lock import warehouse_lock
from lead_sla.ops.runlog import RunLog, new_run_id, successful_days
from lead_sla.ops.summary import day_summary_markdown
from lead_sla.publish.publisher import DATABASE_NAME, PublishResult, publish
from lead_sla.quality.gate import validate_stage
from lead_sla.quality.report import ValidationReport
from lead_sla.report import build_report
from lead_sla.settings import Settings
from lead_sla.transform.build import build_day
from lead_sla.transform.dbt import DbtResult, generate_docs
from lead_sla.warehouse import schema_rows


@dataclass
class DayResult:
    """What one day's run did."""

    run_id: str
    run_date: date
    status: str
    stages: list[str] = field(default_factory=list)
    published: bool = False
    report: str | None = None


def yesterday(settings: Settings, now: datetime | None = None) -> date:
    """Yesterday in the reporting time zone: the day a nightly run builds by default."""
    now = now or datetime.now(ZoneInfo("UTC"))
    return (now.astimezone(ZoneInfo(settings.reporting_timezone)) - timedelta(days=1)).date()


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included; refuses an inverted range."""
    if end < start:
        raise ValueError(f"backfill end {end} is before its start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@task(task_run_name="build-{run_date}")
def transform(settings: Settings, run_date: date) -> DbtResult:
    """Write the agreement tables and ``dbt build`` as of ``run_date``. Never retried: a failing test is a bug."""
    return build_day(settings, run_date)


@task(task_run_name="validate-{stage}-{run_date}")
def validate(settings: Settings, run_id: str, run_date: date, stage: str) -> ValidationReport:
    """Run the ``stage`` data-quality suites; a critical failure raises and stops the night."""
    report = validate_stage(settings, run_id=run_id, run_date=run_date, stage=stage)  # type: ignore[arg-type]
    logger = get_run_logger()
    logger.info("data quality %s %s: %s", stage, run_date, report.summary())
    for warning in report.warnings:
        logger.warning("data-quality warning: %s", warning)
    return report


@task(task_run_name="publish-{run_date}")
def publish_day(settings: Settings, run_id: str, run_date: date, force: bool) -> PublishResult:
    """Swap in the published copy for ``run_date`` (skipped when a newer day is already published)."""
    assert settings.published_dir is not None
    return publish(settings.warehouse, settings.published_dir, run_id=run_id, run_date=run_date, force=force,
                   memory_limit=settings.duckdb_memory_limit)


@task(task_run_name="report-{run_date}")
def report_day(settings: Settings, run_date: date) -> str:
    """Write the day's self-contained HTML SLA report from the published copy; returns its path."""
    assert settings.published_dir is not None
    path = build_report(settings.published_dir / DATABASE_NAME, run_date, settings.warehouse.parent / "reports",
                        reporting_timezone=settings.reporting_timezone)
    return str(path)


@task(task_run_name="docs-{run_date}")
def publish_docs(settings: Settings, run_date: date) -> str:
    """Publish the dbt docs site (models, columns, tests) beside the published copy."""
    assert settings.published_dir is not None
    return str(generate_docs(settings, run_date, settings.published_dir / "dbt_docs"))


def _prefect_run_id() -> str | None:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run there is no id to record
        return None


@flow(name="day", flow_run_name="day-{run_date}", log_prints=True)
def run_day(
    settings: Settings, run_date: date, trigger: str = "nightly", force_publish: bool = False, with_docs: bool = True
) -> DayResult:
    """One day, stage by stage: extract, build and test, validate, score, publish, report.

    A failed stage stops the day: a failed dbt test or a critical data-quality check leaves the
    published copy (and so every reader) on the last good day, and the run fails saying why.
    """
    logger = get_run_logger()
    log = RunLog(settings.warehouse, new_run_id(run_date), run_date, trigger, _prefect_run_id())
    log.start()
    result = DayResult(log.run_id, run_date, "running")
    try:
        with log.stage("extract") as counts:
            reports = extract(settings=settings, up_to=run_date)
            counts.rows_in = sum(r.rows_read for r in reports)
            counts.rows_out = sum(r.rows_loaded for r in reports)
        with log.stage("build") as counts:
            built = transform(settings, run_date)
            counts.rows_in = schema_rows(settings.warehouse, "raw")
            counts.rows_out = schema_rows(settings.warehouse, "marts")
            logger.info("dbt build %s: %s", run_date, built.summary())
            create_markdown_artifact(
                markdown=day_summary_markdown(settings.warehouse, run_date),
                key=f"sla-results-{run_date.isoformat()}",
                description=f"SLA results of {run_date}",
            )
        with log.stage("validate") as counts:
            checks = [validate(settings, log.run_id, run_date, stage) for stage in ("raw", "marts")]
            counts.rows_in = sum(len(c.outcomes) for c in checks)
            counts.rows_out = sum(len(c.warnings) for c in checks)
        with log.stage("score") as counts:
            scored = score(run_date=run_date, settings=settings)
            counts.rows_out = scored.leads_scored
        with log.stage("validate-scores"):
            validate(settings, log.run_id, run_date, "marts")
        with log.stage("publish") as counts:
            published = publish_day(settings, log.run_id, run_date, force_publish)
            counts.rows_out = sum(published.tables.values())
            result.published = published.published
            logger.info("publish %s: %s", run_date, published.reason)
        if result.published:
            with log.stage("report"):
                result.report = report_day(settings, run_date)
                logger.info("report %s: %s", run_date, result.report)
            if with_docs:
                with log.stage("docs"):
                    logger.info("dbt docs %s: %s", run_date, publish_docs(settings, run_date))
    except BaseException as exc:
        log.finish("failed", f"{type(exc).__name__}: {exc}"[:4000])
        raise
    log.finish("success")
    result.status = "success"
    result.stages = list(log.stages)
    return result


@flow(name="nightly", log_prints=True)
def nightly(run_date: date | None = None, force_publish: bool = False, settings: Settings | None = None) -> DayResult:
    """Build ``run_date`` (default: yesterday in the reporting zone) under the warehouse's run lock."""
    settings = settings or Settings()
    day = run_date or yesterday(settings)
    with warehouse_lock(settings.warehouse, run_id=f"nightly {day}", wait_seconds=settings.lock_wait_seconds):
        return run_day(settings, day, "nightly", force_publish)


@flow(name="backfill", log_prints=True)
def backfill(start: date, end: date, force: bool = False, settings: Settings | None = None) -> list[DayResult]:
    """Build every day from ``start`` to ``end`` in order; days already done are skipped unless ``force``."""
    settings = settings or Settings()
    logger = get_run_logger()
    days = days_between(start, end)
    results: list[DayResult] = []
    with warehouse_lock(settings.warehouse, run_id=f"backfill {start}..{end}", wait_seconds=settings.lock_wait_seconds):
        done = set() if force else successful_days(settings.warehouse)
        for number, day in enumerate(days, start=1):
            if day in done:
                logger.info("[%d/%d] %s already built; skipped (force=True rebuilds it)", number, len(days), day)
                results.append(DayResult("", day, "skipped"))
                continue
            logger.info("[%d/%d] building %s", number, len(days), day)
            # dbt docs describe the models, not the day: publish them once, with the last day.
            results.append(run_day(settings, day, "backfill", with_docs=day == days[-1]))
    return results
