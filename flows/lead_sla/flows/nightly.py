"""The nightly and backfill flows: extract, build and test, validate, score, publish, report.

Each run is the ``day`` subflow with visible stages, each recorded in ``ops.run_stages``.

Time works one way: the warehouse holds one day, the latest it was built for
(:func:`~lead_sla.ops.runlog.built_day`), and every mart describes every past day with everything
known by then. A run for a new day D builds as of D. A run for a day at or before the warehouse's
day (a replay after a fix, or a backfill of history) rebuilds the warehouse as of its latest day:
the past days are restated with everything known, later days stay in place, and the warehouse
ends equal to one fresh build of its latest day. What each morning first reported is kept apart
(:mod:`lead_sla.publish.as_reported`).

``nightly`` builds one day (default: yesterday in the reporting zone); ``backfill`` builds a range
under one hold of the run lock, in one rebuild: as of its last day when that is after the
warehouse's day (every earlier day of the range is restated inside it, exactly as a run of each day
in turn would leave it), else, only with ``force``, as of the warehouse's day (the days it holds are
already part of it). Only the day built is published, so only it gets a first report: the earlier
days of a backfill were never reported to anybody. The dbt docs are published once. A second run on
the same warehouse refuses (or waits ``lock_wait_seconds``) with a message naming the holder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context

from lead_sla.flows.extract import extract
from lead_sla.flows.scoring import score
from lead_sla.ops.lock import note_progress, warehouse_lock
from lead_sla.ops.preflight import no_data_message, source_days
from lead_sla.ops.runlog import RunLog, built_day, new_run_id
from lead_sla.ops.summary import day_summary_markdown
from lead_sla.publish.as_reported import FirstReport, record_first_report
from lead_sla.publish.publisher import DATABASE_NAME, PublishResult, publish, published_day
from lead_sla.publish.quality_page import publish_results_page
from lead_sla.quality.gate import validate_stage
from lead_sla.quality.outcomes import ValidationReport
from lead_sla.report import build_report
from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.build import build_day
from lead_sla.transform.dbt import DbtResult, generate_docs
from lead_sla.warehouse import open_warehouse, schema_rows


@dataclass
class DayResult:
    """What one run did: the day asked for, and the day the warehouse was built as of."""

    run_id: str
    run_date: date
    status: str
    as_of_date: date | None = None
    stages: list[str] = field(default_factory=list)
    published: bool = False
    report: str | None = None
    first_report: FirstReport | None = None
    # per stream: rows the extraction read (less those a load filters out on purpose) and quarantined
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    # the data-quality warnings of the night, one line each: "suite: expectation (observed value)"
    warnings: list[str] = field(default_factory=list)


def yesterday(settings: Settings, now: datetime | None = None) -> date:
    """Yesterday in the reporting time zone: the day a nightly run builds by default."""
    now = now or datetime.now(ZoneInfo("UTC"))
    return (now.astimezone(ZoneInfo(settings.reporting_timezone)) - timedelta(days=1)).date()


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included; refuses an inverted range."""
    if end < start:
        raise ValueError(f"backfill end {end} is before its start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def stage_progress(settings: Settings) -> Callable[[str, bool], None]:
    """Where a long stage reports how far it has got: every update to the run lock's note (``lead-sla
    status`` shows it), the milestones (a dozen lines a step) to the run's log as plain lines."""
    logger = get_run_logger()

    def report(text: str, milestone: bool) -> None:
        note_progress(settings.warehouse, stage_progress=text)
        if milestone:
            logger.info(text)

    return report


@task(task_run_name="build-{day.run_date}")
def transform(settings: Settings, day: RunDay) -> DbtResult:
    """Write the agreement tables and ``dbt build`` as of the run day. Never retried: a failing test is a bug."""
    return build_day(settings, day, progress=stage_progress(settings))


def write_results_page(settings: Settings, run_id: str) -> None:
    """Rewrite the data-quality results page beside the published copy with what run ``run_id`` checked.

    Never fails the run: a folder that cannot be written is the publish stage's to report.
    """
    logger = get_run_logger()
    try:
        page = publish_results_page(settings.warehouse, settings.published, run_id)
        logger.info("data-quality results of run %s: %s", run_id, page)
    except (OSError, duckdb.Error) as exc:
        logger.warning("data-quality results page not written: %s", exc)


@task(task_run_name="validate-{stage}-{day.run_date}")
def validate(settings: Settings, run_id: str, day: RunDay, stage: str) -> ValidationReport:
    """Run the ``stage`` data-quality suites; a critical failure raises and stops the night.

    Either way the run's results page beside the published copy is rewritten with what was checked.
    """
    logger = get_run_logger()
    try:
        report = validate_stage(settings, run_id=run_id, day=day, stage=stage)  # type: ignore[arg-type]
    finally:
        write_results_page(settings, run_id)
    logger.info("data quality %s %s: %s", stage, day.run_date, report.summary())
    for warning in report.warnings:
        logger.warning("data-quality warning: %s", warning_line(warning))
    return report


@task(task_run_name="publish-{run_date}")
def publish_day(settings: Settings, run_id: str, run_date: date, force: bool) -> tuple[PublishResult, FirstReport | None]:
    """Keep the day's first report, then swap in the published copy for ``run_date`` (and rewrite the
    results page, which names the published day).

    Skipped (nothing recorded, nothing swapped) when a newer day is already published, unless forced.
    """
    current = published_day(settings.published)
    if current is not None and current > run_date and not force:
        return publish(settings.warehouse, settings.published, run_id=run_id, run_date=run_date, force=False,
                       memory_limit=settings.duckdb_memory_limit), None
    conn = open_warehouse(settings)
    try:
        first_report = record_first_report(conn, run_date, run_id)
    finally:
        conn.close()
    result = publish(settings.warehouse, settings.published, run_id=run_id, run_date=run_date, force=force,
                     memory_limit=settings.duckdb_memory_limit)
    if result.published:
        write_results_page(settings, run_id)  # it names the published day, now this one
    return result, first_report


@task(task_run_name="report-{run_date}")
def report_day(settings: Settings, run_date: date) -> str:
    """Write the day's self-contained HTML SLA report from the published copy; returns its path."""
    path = build_report(settings.published / DATABASE_NAME, run_date, settings.reports_dir,
                        reporting_timezone=settings.reporting_timezone)
    return str(path)


@task(task_run_name="docs-{day.run_date}")
def publish_docs(settings: Settings, day: RunDay) -> str:
    """Publish the dbt docs site (models, columns, tests) beside the published copy."""
    return str(generate_docs(settings, day, settings.published / "dbt_docs", progress=stage_progress(settings)))


def warning_line(outcome) -> str:  # noqa: ANN001 - an ExpectationOutcome
    """One line for a run summary: the suite, the expectation and what was observed."""
    observed = f" (observed {outcome.observed_value})" if outcome.observed_value else ""
    return f"{outcome.suite}: {outcome.expectation}{observed}"[:200]


def _prefect_run_id() -> str | None:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run there is no id to record
        return None


def as_of_day(settings: Settings, run_date: date) -> date:
    """The day a run for ``run_date`` builds the warehouse as of: ``run_date``, or the warehouse's
    own day when that is later (a replay never moves the warehouse back in time)."""
    held = built_day(settings.warehouse)
    return run_date if held is None or run_date > held else held


@flow(name="day", flow_run_name="day-{run_date}", log_prints=True)
def run_day(
    settings: Settings, run_date: date, trigger: str = "nightly", force_publish: bool = False, with_docs: bool = True
) -> DayResult:
    """One run, stage by stage: extract, build and test, validate, score, publish, report.

    The warehouse is built as of :func:`as_of_day`. A failed stage stops the run: a failed dbt test
    or a critical data-quality check leaves the published copy (and so every reader) on the last
    good day, and the run fails saying why.
    """
    logger = get_run_logger()
    as_of = as_of_day(settings, run_date)
    # the run day, worked out once: dbt's vars and the suites' built-in parameters come from it
    day = RunDay(as_of, settings.reporting_timezone)
    log = RunLog(settings.warehouse, new_run_id(run_date), run_date, trigger, _prefect_run_id(), as_of_date=as_of)
    log.start()
    result = DayResult(log.run_id, run_date, "running", as_of_date=as_of)
    if as_of != run_date:
        logger.info("the warehouse holds %s: %s is replayed inside a rebuild as of %s", as_of, run_date, as_of)
    try:
        with log.stage("extract") as counts:
            no_data = no_data_message(settings, as_of, source_days(settings), defaulted=False)
            if no_data:
                logger.warning(no_data)
            reports = extract(settings=settings, up_to=as_of)
            counts.rows_in = sum(r.rows_read for r in reports)
            counts.rows_out = sum(r.rows_loaded for r in reports)
            result.rows_read = {r.stream: r.rows_read - r.rows_filtered for r in reports}
            result.rows_quarantined = {r.stream: r.rows_quarantined for r in reports}
        with log.stage("build") as counts:
            built = transform(settings, day)
            counts.rows_in = schema_rows(settings.warehouse, "raw")
            counts.rows_out = schema_rows(settings.warehouse, "marts")
            logger.info("dbt build as of %s: %s", as_of, built.summary())
            create_markdown_artifact(
                markdown=day_summary_markdown(settings.warehouse, as_of),
                key=f"sla-results-{as_of.isoformat()}",
                description=f"SLA results of {as_of}",
            )
        with log.stage("validate") as counts:
            checks = [validate(settings, log.run_id, day, stage) for stage in ("raw", "marts")]
            counts.rows_in = sum(len(c.outcomes) for c in checks)
            counts.rows_out = sum(len(c.warnings) for c in checks)
            result.warnings = [warning_line(w) for c in checks for w in c.warnings]
        with log.stage("score") as counts:
            scored = score(run_date=day.run_date, settings=settings)  # scoring ends the day with RunDay too
            counts.rows_out = scored.leads_scored
        with log.stage("validate-scores"):
            scores_check = validate(settings, log.run_id, day, "scores")
            result.warnings += [warning_line(w) for w in scores_check.warnings]
        with log.stage("publish") as counts:
            published, first_report = publish_day(settings, log.run_id, as_of, force_publish)
            counts.rows_out = sum(published.tables.values())
            result.published = published.published
            result.first_report = first_report
            logger.info("publish %s: %s", as_of, published.reason)
            if first_report is not None:
                logger.info("as reported: %s", first_report.summary())
        if result.published:
            with log.stage("report"):
                result.report = report_day(settings, as_of)
                logger.info("report %s: %s", as_of, result.report)
            if with_docs and settings.publish_docs:
                with log.stage("docs"):
                    logger.info("dbt docs %s: %s", as_of, publish_docs(settings, day))
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


@dataclass(frozen=True)
class BackfillPlan:
    """How a backfill of a range runs on a warehouse that holds ``held`` (None: empty).

    ``rebuild_as_of`` is the one day the backfill builds (None: nothing to do); ``restated`` are the
    other days of the range, rebuilt inside it; ``skipped`` the days left alone (already held, no
    ``force``, and no later day to build).
    """

    held: date | None
    rebuild_as_of: date | None
    restated: list[date]
    skipped: list[date]


def plan_backfill(days: list[date], held: date | None, force: bool) -> BackfillPlan:
    """One rebuild for the whole range: as of its last day when that is new to the warehouse, else
    (with ``force``) as of the day the warehouse holds; without ``force`` held days alone are skipped."""
    if not days:
        return BackfillPlan(held, None, [], [])
    last = days[-1]
    if held is None or last > held:
        return BackfillPlan(held, last, days[:-1], [])
    if force:
        return BackfillPlan(held, held, [d for d in days if d != held], [])
    return BackfillPlan(held, None, [], list(days))


@flow(name="backfill", log_prints=True)
def backfill(start: date, end: date, force: bool = False, settings: Settings | None = None) -> list[DayResult]:
    """Build every day from ``start`` to ``end`` under one hold of the run lock; see the module docstring."""
    settings = settings or Settings()
    logger = get_run_logger()
    days = days_between(start, end)
    results: list[DayResult] = []
    with warehouse_lock(settings.warehouse, run_id=f"backfill {start}..{end}", wait_seconds=settings.lock_wait_seconds):
        plan = plan_backfill(days, built_day(settings.warehouse), force)
        for day in plan.skipped:
            logger.info("%s is already part of the warehouse (built as of %s); skipped (force=True replays it)",
                        day, plan.held)
            results.append(DayResult("", day, "skipped", as_of_date=plan.held))
        if plan.rebuild_as_of is None:
            return results
        logger.info("backfill %s..%s: one rebuild as of %s (%d day(s) restated inside it)",
                    start, end, plan.rebuild_as_of, len(plan.restated))
        # the rebuild is the run of its own day (a replay of the range's last day when that is held)
        run_for = end if plan.rebuild_as_of == plan.held else plan.rebuild_as_of
        note_progress(settings.warehouse,
                      progress=f"one rebuild as of {plan.rebuild_as_of} for {start}..{end} ({len(days)} days)")
        result = run_day(settings, run_for, "backfill")
        for day in plan.restated:
            if day != run_for:
                results.append(DayResult(result.run_id, day, "restated", as_of_date=result.as_of_date))
        results.append(result)
        results.sort(key=lambda r: r.run_date)
        logger.info("backfill %s..%s: %s (as of %s)", start, end, result.status, result.as_of_date)
    return results
