"""The ``lead-sla`` command: generate demo data, extract, run the pipeline, and say what happened.

Exit codes: 0 success, 1 the pipeline ran and failed (a failed stream, a failed dbt test, a
critical data-quality check, a folder that could not be written) or was refused (another run holds
the warehouse, the sources hold no data for the day), 2 the command was used wrongly or its input
is invalid (usage errors, a bad setting, mapping or agreement file, an unknown stream), found
before anything runs.

Fast start: this module imports only Typer, Rich and the settings. Prefect, dbt and Great
Expectations are imported by the commands that run a flow (``extract``, ``run``, ``backfill``,
``demo``), after their arguments, settings and config files are checked; ``report`` and ``score``
are loaded when called.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from lead_sla.cli_settings import load_settings
from lead_sla.settings import Settings

T = TypeVar("T")


class _LazyGroup(TyperGroup):
    """The main command group, with the ``report``, ``score``, ``agreement``, ``icp`` and ``mapping`` sub-apps imported when called.

    Importing them eagerly cost every command seconds (scoring pulls in scikit-learn). Help lists
    them from the short texts below without importing them.
    """

    LAZY: dict[str, tuple[str, str]] = {
        "report": ("lead_sla.report.cli", "The nightly SLA report (one self-contained HTML file per day)."),
        "score": ("lead_sla.scoring.cli", "Lead scores, prioritized lists and the backtest."),
        "agreement": ("lead_sla.agreement.cli", "The versioned agreement (sla.yml, icp.yml) in the config folder."),
        "icp": ("lead_sla.icp.cli", "The ideal customer profile revised from evidence."),
        "mapping": ("lead_sla.sources.cli", "The source mapping over the landing folder: `mapping check` is a dry run."),
    }
    _describing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in self.LAZY if name not in self.commands)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.LAZY:
            return super().get_command(ctx, cmd_name)
        module_name, help_text = self.LAZY[cmd_name]
        if self._describing:
            return TyperCommand(cmd_name, help=help_text, short_help=help_text)
        command = typer.main.get_command(importlib.import_module(module_name).app)
        command.name, command.help = cmd_name, help_text
        return command

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        self._describing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._describing = False


app = typer.Typer(
    name="lead-sla",
    help="The marketing-sales SLA as a nightly data pipeline (Prefect, dbt, DuckDB).",
    no_args_is_help=True,
    add_completion=False,
    cls=_LazyGroup,
)
console = Console()
err = Console(stderr=True)

DEMO_LEADS = 3000
DEMO_DAYS = 120
DEMO_SEED = 42
DEMO_END = date(2026, 10, 31)


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and Prefect's full failure logs on the console (the log file always has them).")] = False,
) -> None:
    """The marketing-sales SLA as a nightly data pipeline (Prefect, dbt, DuckDB)."""
    ctx.obj = {"debug": debug}


def _debug(ctx: typer.Context) -> bool:
    """Whether ``lead-sla --debug`` was given (the main callback keeps it in the context)."""
    root = ctx.find_root()
    return bool(isinstance(root.obj, dict) and root.obj.get("debug"))


def _fail(message: str, code: int, label: str = "error") -> typer.Exit:
    """Print ``message`` once (``label: message``) and return the exit to raise."""
    style = {"error": "red", "refused": "red", "run failed": "red", "not published": "yellow"}.get(label, "red")
    err.print(f"[{style}]{label}:[/{style}] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _settings() -> Settings:
    return load_settings(Settings, err)


def _checked(check: Callable[[], T]) -> T:
    """Run a preflight check: invalid input exits 2 with its message, before anything runs."""
    from lead_sla.ops.preflight import InvalidInput

    try:
        return check()
    except InvalidInput as exc:
        raise _fail(str(exc), 2) from None


@app.command()
def generate(
    out: Annotated[Optional[Path], typer.Option(help="Folder to write the exports to (default: the landing folder).")] = None,
    leads: Annotated[int, typer.Option(min=1, help="Number of leads to simulate.")] = DEMO_LEADS,
    days: Annotated[int, typer.Option(min=1, help="Days of history, ending on --end-date.")] = DEMO_DAYS,
    seed: Annotated[int, typer.Option(help="Random seed: same seed and parameters give identical files.")] = DEMO_SEED,
    end_date: Annotated[str, typer.Option(help="Last day of the simulation (YYYY-MM-DD).")] = DEMO_END.isoformat(),
) -> None:
    """Write the demo company's nightly exports: one folder per stream and day."""
    settings = _settings()
    last = _parse_day(end_date, "--end-date")
    from lead_sla.demo import generate as generate_exports

    target = out or settings.landing
    summary = generate_exports(target, leads=leads, days=days, seed=seed, end_date=last)
    console.print(f"Wrote {summary.files_written} files to {target} ({summary.start_date} to {summary.end_date}).")
    for stream, rows in summary.rows_per_stream.items():
        console.print(f"  {stream:<18} {rows:>12,} rows")


def _check_streams(names: list[str] | None) -> None:
    from lead_sla.sources.streams import STREAMS

    known = [s.name for s in STREAMS]
    unknown = [name for name in names or [] if name not in known]
    if unknown:
        raise _fail(f"--stream {', '.join(unknown)}: no such stream; the streams are {', '.join(known)}", 2)


@app.command()
def extract(
    ctx: typer.Context,
    up_to: Annotated[Optional[str], typer.Option(help="Last export day to land (YYYY-MM-DD) (default: all).")] = None,
    stream: Annotated[Optional[list[str]], typer.Option(help="Only this stream (repeatable).")] = None,
) -> None:
    """Land new source data into the warehouse's raw layer (incremental; a rerun adds nothing)."""
    from lead_sla.ops import preflight

    day = _parse_day(up_to, "--up-to") if up_to else None
    _check_streams(stream)
    settings = _settings()
    _checked(lambda: preflight.check_writable(settings.warehouse.parent, "LEAD_SLA_WAREHOUSE_PATH", "the warehouse lives there"))
    _checked(lambda: preflight.check_mapping(settings))
    if not settings.crm_api_url:
        _checked(lambda: preflight.check_landing(settings))

    def land():  # noqa: ANN202 - the flow's reports
        from lead_sla.flows.extract import ExtractionFailed, extract as extract_flow
        from lead_sla.ops.lock import warehouse_lock

        with warehouse_lock(settings.warehouse, run_id="extract", wait_seconds=settings.lock_wait_seconds):
            try:
                return extract_flow(settings=settings, up_to=day, streams=stream)
            except ExtractionFailed as exc:
                raise _StageFailed(str(exc)) from exc

    reports = _run_pipeline(settings, land, _debug(ctx))
    _print_reports(reports)


class _StageFailed(Exception):
    """A failure whose message says everything: printed as it is, exit 1."""


@app.command()
def run(
    ctx: typer.Context,
    date_: Annotated[Optional[str], typer.Option("--date", help="Day to build (YYYY-MM-DD) (default: yesterday in the reporting zone).")] = None,
    force_publish: Annotated[bool, typer.Option("--force-publish", help="Publish even when a newer day is already published.")] = False,
) -> None:
    """Run the nightly job for one day: extract, build and test, validate, score, publish, report.

    A day the warehouse already holds is replayed: the warehouse is rebuilt as of its latest day,
    restating that day with everything known.
    """
    from lead_sla.ops import preflight

    day = _parse_day(date_, "--date") if date_ else None
    settings = _settings()
    _checked(lambda: preflight.check_run(settings))
    asked = day or _yesterday(settings)
    _require_agreement(settings, asked, asked)
    missing = preflight.no_data_message(settings, asked, preflight.source_days(settings), defaulted=day is None)
    if missing:
        raise _fail(missing, 1, "refused")

    def night():  # noqa: ANN202 - the flow's DayResult
        from lead_sla.flows.nightly import nightly

        return nightly(run_date=asked, force_publish=force_publish, settings=settings)

    result = _run_pipeline(settings, night, _debug(ctx))
    if result.as_of_date and result.as_of_date != result.run_date:
        console.print(f"Replayed {result.run_date} inside a rebuild as of {result.as_of_date} (run {result.run_id}); "
                      f"published: {'yes' if result.published else 'no'}", highlight=False, soft_wrap=True)
    else:
        console.print(f"Built {result.run_date} (run {result.run_id}); published: {'yes' if result.published else 'no'}",
                      highlight=False, soft_wrap=True)
    _print_night(result.rows_quarantined, result.rows_read, result.warnings, settings)
    if result.report:
        console.print(f"Report: {result.report}", highlight=False, soft_wrap=True)


def _yesterday(settings: Settings) -> date:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo(settings.reporting_timezone)) - timedelta(days=1)).date()


def _print_night(quarantined: dict[str, int], read: dict[str, int], warnings: list[str], settings: Settings) -> None:
    """The run summary's data lines: quarantine per stream and the data-quality warnings."""
    from lead_sla.ops.quarantine import describe_counts

    counts = describe_counts(quarantined, read)
    console.print(f"Quarantined: {counts}", highlight=False, soft_wrap=True)
    if counts != "none":
        today = _yesterday(settings) + timedelta(days=1)  # the rows were quarantined today, by this run
        console.print(f"  (listed by `lead-sla quarantine --since {today}`)", highlight=False, soft_wrap=True)
    console.print(f"Data-quality warnings: {len(warnings)}", highlight=False, soft_wrap=True)
    for line in warnings[:10]:
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    if len(warnings) > 10:
        console.print(f"  ... and {len(warnings) - 10} more in dq.validation_results", highlight=False)


@app.command()
def backfill(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="First day to build (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day to build (YYYY-MM-DD), included.")],
    force: Annotated[bool, typer.Option(help="Also replay the days the warehouse already holds.")] = False,
) -> None:
    """Build a range of days in one rebuild as of its last day, every earlier day restated inside it.

    One hold of the run lock, one build, published once with its docs. Days the warehouse already
    holds are part of it: --force replays them (one rebuild as of the warehouse's day).
    """
    from lead_sla.ops import preflight

    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    if last < first:
        raise _fail(f"--end {last} is before --start {first}", 2)
    settings = _settings()
    _checked(lambda: preflight.check_run(settings))
    _require_agreement(settings, first, last)
    missing = preflight.no_data_message(settings, last, preflight.source_days(settings), defaulted=False)
    if missing:
        raise _fail(missing.replace("To build the newest exported day: lead-sla run --date",
                                    "End the backfill there: --end"), 1, "refused")

    def days():  # noqa: ANN202 - the flow's DayResults
        from lead_sla.flows.nightly import backfill as backfill_flow

        return backfill_flow(start=first, end=last, force=force, settings=settings)

    results = _run_pipeline(settings, days, _debug(ctx))
    built = [r for r in results if r.status == "success"]
    restated = [r for r in results if r.status == "restated"]
    skipped = [r for r in results if r.status == "skipped"]
    if built:
        console.print(f"Backfill {first}..{last}: one rebuild as of {built[0].as_of_date} (run {built[0].run_id}), "
                      f"{len(restated) + 1} day(s) built; published: {'yes' if built[0].published else 'no'}",
                      highlight=False, soft_wrap=True)
    if skipped:
        console.print(f"{len(skipped)} day(s) skipped: already part of the warehouse; --force replays them.",
                      highlight=False, soft_wrap=True)

    quarantined: dict[str, int] = {}
    read: dict[str, int] = {}
    for result in built:
        for stream, rows in result.rows_quarantined.items():
            quarantined[stream] = quarantined.get(stream, 0) + rows
        for stream, rows in result.rows_read.items():
            read[stream] = read.get(stream, 0) + rows
    _print_night(quarantined, read, [w for r in built for w in r.warnings], settings)


# What the pipeline asks of Prefect unless the environment says otherwise: no telemetry from offline
# machines, and a temporary API server (when no PREFECT_API_URL is set) given two minutes to start,
# not Prefect's 20 s, which a busy machine misses and the night fails before it begins.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _run_pipeline(settings: Settings, call: Callable[[], T], debug: bool) -> T:
    """Run a flow with the pipeline's logging: an expected failure prints its message once (exit 1;
    invalid input found inside exit 2); the log file keeps the traceback, and ``--debug`` shows it."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from prefect.logging.configuration import PROCESS_LOGGING_CONFIG, setup_logging

    if not PROCESS_LOGGING_CONFIG and sys.stderr is sys.__stderr__:
        # Prefect's console first: it leaves the root logger alone once the log file is on it. (Not
        # when stderr is swapped, as by a test's CliRunner: the console would outlive the swap.)
        setup_logging()

    from lead_sla.agreement.errors import AgreementError
    from lead_sla.landing.extract import LandingFolderMissing
    from lead_sla.ops.lock import WarehouseBusy
    from lead_sla.ops.logs import pipeline_logging
    from lead_sla.quality.suites import SuiteError
    from lead_sla.sources.mapping import MappingError

    with pipeline_logging(settings.log_path, debug=debug) as log:
        try:
            return call()
        except WarehouseBusy as exc:
            log.warning("refused: %s", exc)
            raise _fail(str(exc), 1, "refused") from None
        except (LandingFolderMissing, MappingError, AgreementError, SuiteError) as exc:
            log.error("invalid input: %s", exc, exc_info=True)
            raise _fail(str(exc), 2) from None
        except _StageFailed as exc:
            log.error("failed: %s", exc, exc_info=True)
            raise _fail(f"{exc}\n{_traceback_hint(settings, debug)}", 1) from None
        except Exception as exc:  # noqa: BLE001 - any stage failure is a failed run, with its reason
            log.error("run failed: %s", exc, exc_info=True)
            if debug:
                err.print_exception()
            raise _fail(f"{exc}\nSee `lead-sla status` for the stage that failed; {_traceback_hint(settings, debug)}",
                        1, "run failed") from None


def _traceback_hint(settings: Settings, debug: bool) -> str:
    return "the traceback is above." if debug else f"the traceback is in {settings.log_path} (or rerun with --debug)."


@app.command()
def publish(
    date_: Annotated[Optional[str], typer.Option("--date", help="The day the warehouse holds (default: that day); any other day is refused.")] = None,
    force_publish: Annotated[bool, typer.Option("--force-publish", help="Publish even when a newer day is already published.")] = False,
    force: Annotated[bool, typer.Option("--force", hidden=True, help="Deprecated name of --force-publish.")] = False,
) -> None:
    """Publish the warehouse's marts as the read-only copy readers open (atomic swap).

    Only the day the warehouse was built for can be published; publishing moves forward only,
    unless --force-publish.
    """
    from lead_sla.ops import preflight
    from lead_sla.ops.lock import WarehouseBusy, warehouse_lock
    from lead_sla.ops.runlog import RunLog, built_day, new_run_id, unchecked_tables

    asked = _parse_day(date_, "--date") if date_ else None
    if force:
        err.print("[yellow]note:[/yellow] `publish --force` is now `publish --force-publish` (as for `run`); "
                  "--force still works for now", highlight=False, soft_wrap=True)
    forced = force_publish or force
    settings = _settings()
    if not settings.warehouse.exists():
        raise _fail(f"no warehouse at {settings.warehouse}; run `lead-sla run` or `lead-sla demo` first", 1)
    _checked(lambda: preflight.check_writable(settings.published, "LEAD_SLA_PUBLISHED_DIR",
                                              "the readers' copy is published there"))
    try:
        with warehouse_lock(settings.warehouse, run_id="publish", wait_seconds=settings.lock_wait_seconds):
            day = built_day(settings.warehouse)
            if day is None:
                raise _fail("the warehouse has not been built yet; run `lead-sla run` first", 1)
            left = unchecked_tables(settings.warehouse)
            if left is not None:
                run_id, run_day, stage = left
                raise _fail(f"the warehouse's tables are those of run {run_id} ({run_day}), which stopped at "
                            f"{stage}: its checks refused them or never saw them, so they are not published. "
                            f"Rerun `lead-sla run --date {run_day}` (or `--date {day}`) first.", 1, "not published")
            if asked is not None and asked != day:
                hint = (f"`lead-sla run --date {asked}` builds it" if asked > day else
                        "earlier days are restated inside it and are not published on their own")
                raise _fail(f"the warehouse holds {day}, not {asked}: only the day the warehouse "
                            f"was built for can be published ({hint})", 2)
            from lead_sla.publish.publisher import published_day

            current = published_day(settings.published)
            if current is not None and current > day and not forced:
                raise _fail(f"{current} is already published and is newer than {day}; "
                            "use --force-publish to publish an older day", 1, "not published")
            log = RunLog(settings.warehouse, new_run_id(day), day, "publish", as_of_date=day)
            log.start()
            try:
                with log.stage("publish") as counts:
                    result = _publish_day(settings, log.run_id, day, forced)
                    counts.rows_out = sum(result.tables.values())
            except OSError as exc:
                log.finish("failed", f"{type(exc).__name__}: {exc}"[:4000])
                raise _fail(_publish_error(settings, exc), 1) from None
            except BaseException as exc:
                log.finish("failed", f"{type(exc).__name__}: {exc}"[:4000])
                raise
            log.finish("success")
    except WarehouseBusy as exc:
        raise _fail(str(exc), 1, "refused") from None
    console.print(f"Published {day} (run {log.run_id}): {result.database} and {result.parquet_dir} "
                  f"({sum(result.tables.values()):,} rows in {len(result.tables)} tables)", highlight=False, soft_wrap=True)


def _publish_day(settings: Settings, run_id: str, day: date, force: bool):  # noqa: ANN202 - a PublishResult
    from lead_sla.publish.as_reported import record_first_report
    from lead_sla.publish.publisher import publish as publish_copy
    from lead_sla.warehouse import open_warehouse

    conn = open_warehouse(settings)
    try:
        record_first_report(conn, day, run_id)
    finally:
        conn.close()
    return publish_copy(settings.warehouse, settings.published, run_id=run_id, run_date=day, force=force,
                        memory_limit=settings.duckdb_memory_limit)


def _publish_error(settings: Settings, exc: OSError) -> str:
    """One paragraph: what could not be written, why, and what to do; readers keep the previous copy."""
    where = exc.filename or settings.published
    return (f"could not publish into {settings.published}: {exc.strerror or exc} ({where}). Readers keep the "
            f"copy published before, if any. Make the folder writable, or set LEAD_SLA_PUBLISHED_DIR to one "
            f"this user can write, then run `lead-sla publish`.")


@app.command()
def status(
    limit: Annotated[int, typer.Option(min=1, help="How many runs to show.")] = 10,
) -> None:
    """Show the published day, a run in progress and how far it has got, the latest runs, what failed, and the quarantine.

    While a run holds the warehouse only the run (from its lock) is shown: reading the warehouse
    then could make the run fail.
    """
    from lead_sla.ops.lock import lock_holder
    from lead_sla.ops.quarantine import counts_by_stream
    from lead_sla.ops.runlog import recent_runs
    from lead_sla.publish.as_reported import LEDGER, owner_names, restatement_lines, restatements
    from lead_sla.publish.publisher import read_manifest
    from lead_sla.warehouse import connect

    settings = _settings()
    manifest = read_manifest(settings.published)
    if manifest:
        console.print(f"Published: day {manifest['run_date']} (run {manifest['run_id']}, at {manifest['published_at']} UTC) "
                      f"in {settings.published}", highlight=False, soft_wrap=True)
    else:
        console.print(f"Published: nothing yet in {settings.published}", highlight=False, soft_wrap=True)
    if not settings.warehouse.exists():
        console.print(f"No warehouse at {settings.warehouse}: nothing has run yet (try `lead-sla demo`).",
                      highlight=False, soft_wrap=True)
        return
    holder = lock_holder(settings.warehouse)
    running = holder is not None and holder.alive
    if holder is not None and running:
        console.print(f"[yellow]In progress:[/yellow] {holder.describe()}", highlight=False, soft_wrap=True)
    elif holder is not None:
        console.print(f"[red]Abandoned:[/red] {holder.describe()} ended without finishing (its process is gone: "
                      "killed or crashed); the next run starts cleanly.", highlight=False, soft_wrap=True)
    if running:
        # DuckDB lets a file have one writing process or readers, never both: a reader here, even
        # for a moment, would make the run's next open of the warehouse fail, and so the run.
        console.print(f"The earlier runs and the quarantine show once it ends (reading the warehouse now could "
                      f"stop the run); the run's log: {settings.log_path}", highlight=False, soft_wrap=True)
        return
    try:
        conn = connect(settings.warehouse, read_only=True)
    except Exception as exc:  # noqa: BLE001 - another process holds the warehouse
        raise _fail(f"cannot read the warehouse {settings.warehouse}: {exc}", 1) from None
    try:
        rows = recent_runs(conn, limit)
        latest_start = rows[0][3] if rows else None
        quarantine = counts_by_stream(conn, since=latest_start)
        restated = restatements(conn)
        names = owner_names(conn)
    finally:
        conn.close()
    shown_rows = []
    console.print("Runs, newest first:" if rows else "Runs: none yet", highlight=False)
    for run_id, flow, day, started, finished, state, failed, error, as_of in rows:
        if state == "running" and not running:
            state, error = "abandoned", error or "the process ended without finishing (killed or crashed)"
        shown_rows.append((run_id, flow, day, started, finished, state, failed, error, as_of))
        style = {"success": "green", "failed": "red", "abandoned": "red"}.get(state, "yellow")
        built = f" (built as of {as_of})" if as_of != day else ""
        where = f" at {failed}" if failed else ""
        console.print(f"  {run_id}  {flow:<8} day {day}{built}  started {started:%Y-%m-%d %H:%M} UTC  "
                      f"[{style}]{state}[/{style}]{where}", highlight=False, soft_wrap=True)
    for run_id, _, day, _, _, state, failed, error, _ in shown_rows:
        if state == "success":
            break  # a failure before the latest success was dealt with
        if state in ("failed", "abandoned") and error:
            console.print(f"[red]{state}[/red] run {run_id} ({day}){' at ' + failed if failed else ''}: {error}",
                          highlight=False, soft_wrap=True)
            break  # the latest failure is what an operator acts on
    if quarantine:
        console.print(f"\nIn quarantine ({sum(q.rows for q in quarantine):,} rows; `lead-sla quarantine` lists them):",
                      highlight=False)
        for q in quarantine:
            console.print(f"  {q.stream:<18} {q.rows:>7,} rows, {q.rows_since:,} from the latest run; "
                          f"last at {q.last_at:%Y-%m-%d %H:%M} UTC", highlight=False, soft_wrap=True)
    else:
        console.print("\nIn quarantine: nothing", highlight=False)
    lines = restatement_lines(restated, names)
    if lines:
        console.print(f"\nRestated since first reported ({len(lines)} rows; every number in {LEDGER}):")
        for line in lines[:12]:
            console.print(f"  {line}", highlight=False, soft_wrap=True)


@app.command()
def quarantine(
    stream: Annotated[Optional[list[str]], typer.Option(help="Only this stream (repeatable).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only rows quarantined on or after this day (YYYY-MM-DD, in the reporting zone).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows, newest first.")] = 50,
) -> None:
    """List the rows extraction set aside: when, stream, source file and line, reason, the record as read."""
    from lead_sla.ops.lock import lock_holder
    from lead_sla.ops.quarantine import day_start_utc, quarantined_rows
    from lead_sla.warehouse import connect

    day = _parse_day(since, "--since") if since else None
    _check_streams(stream)
    settings = _settings()
    if not settings.warehouse.exists():
        console.print(f"No warehouse at {settings.warehouse}: nothing was extracted yet.", highlight=False, soft_wrap=True)
        return
    holder = lock_holder(settings.warehouse)
    if holder is not None and holder.alive:  # reading now could make the run's next open fail (see status)
        raise _fail(f"a run is using the warehouse ({holder.describe()}); the quarantine lists once it ends "
                    "(reading the warehouse now could stop the run): see `lead-sla status`", 1, "refused")
    try:
        conn = connect(settings.warehouse, read_only=True)
    except Exception as exc:  # noqa: BLE001 - another process holds the warehouse
        raise _fail(f"cannot read the warehouse now ({exc}); a run holds it: see `lead-sla status`", 1) from None
    try:
        rows, total = quarantined_rows(conn, streams=stream,
                                       since=day_start_utc(day, settings.reporting_timezone) if day else None,
                                       limit=limit)
    finally:
        conn.close()
    scope = (f" of {', '.join(stream)}" if stream else "") + (f" since {day}" if day else "")
    if not rows:
        console.print(f"No quarantined rows{scope}.", highlight=False)
        return
    console.print(f"{total:,} quarantined row(s){scope}" + (f"; the newest {len(rows)} (--limit)" if total > len(rows) else "")
                  + ":", highlight=False, soft_wrap=True)
    for row in rows:
        console.print(f"{row.quarantined_at:%Y-%m-%d %H:%M} UTC  {row.stream}  {row.location}  {row.reason}",
                      highlight=False, soft_wrap=True, markup=False)
        text = (row.raw_text or "").replace("\r", "\\r").replace("\n", "\\n")
        console.print(f"    {text[:300]}{'...' if len(text) > 300 else ''}", highlight=False, soft_wrap=True, markup=False)


@app.command()
def demo(
    ctx: typer.Context,
    leads: Annotated[int, typer.Option(min=1, help="Number of leads to simulate.")] = DEMO_LEADS,
    days: Annotated[int, typer.Option(min=1, help="Days of history.")] = DEMO_DAYS,
) -> None:
    """Generate the demo company's exports and run the nightly job for the demo day (what `make demo` runs)."""
    from lead_sla.ops import preflight

    settings = _settings()
    _checked(lambda: preflight.check_writable(settings.warehouse.parent, "LEAD_SLA_WAREHOUSE_PATH", "the warehouse lives there"))
    _checked(lambda: preflight.check_writable(settings.landing, "LEAD_SLA_LANDING_DIR", "the demo exports are written there"))
    _checked(lambda: preflight.check_writable(settings.published, "LEAD_SLA_PUBLISHED_DIR", "the readers' copy is published there"))
    _checked(lambda: preflight.check_agreement(settings))
    from lead_sla.demo import generate as generate_exports

    marker = settings.landing / ".generated.json"
    wanted = {"leads": leads, "days": days, "seed": DEMO_SEED, "end_date": DEMO_END.isoformat()}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        console.print(f"Generating demo exports ({leads:,} leads, {days} days) into {settings.landing} ...",
                      highlight=False, soft_wrap=True)
        generate_exports(settings.landing, leads=leads, days=days, seed=DEMO_SEED, end_date=DEMO_END)
        marker.write_text(json.dumps(wanted))

    def night():  # noqa: ANN202 - the flow's DayResult
        from lead_sla.flows.nightly import nightly

        return nightly(run_date=DEMO_END, force_publish=True, settings=settings)

    result = _run_pipeline(settings, night, _debug(ctx))
    _print_night(result.rows_quarantined, result.rows_read, result.warnings, settings)
    for line in demo_epilogue(result.run_date, settings, result.report):
        console.print(line, highlight=False, soft_wrap=True, markup=False)


def demo_epilogue(day: date, settings: Settings, report: str | None) -> list[str]:
    """What ``make demo`` ends with: the demo day, where things are, and commands to paste.

    Paths are shown relative to the current folder where they can be, and every command fits on
    one line of 80 columns, so that pasting it runs it.
    """

    here = Path.cwd().resolve()

    def shown(path: Path) -> str:
        resolved = path.resolve()
        return resolved.relative_to(here).as_posix() if resolved.is_relative_to(here) else str(path)

    script = Path(sys.argv[0])
    cli = shown(script) if script.name == "lead-sla" and script.resolve().is_relative_to(here) else "lead-sla"
    lines = [
        "",
        f"Demo built as of {day} (the demo day: its exports end there).",
        f"  published: {shown(settings.published)}/ (readers open it)",
        f"  warehouse: {shown(settings.warehouse)} (the pipeline's own)",
    ]
    if report:
        lines.append(f"  report:    {shown(Path(report))}")
    lines += [
        "",
        "Try:",
        f"  {cli} status",
        f"  {cli} quarantine --limit 5",
        f"  {cli} report build --date {day}",
        f"  {cli} run --date {day}",
        f"  {cli} score backtest --from {day.replace(day=1)} --to {day}",
        "SQL on the published copy: README.md, 'For analysts'.",
    ]
    return lines


def _require_agreement(settings: Settings, first: date, last: date) -> None:
    """The agreement is valid and in force on every day asked for (exit 2 naming the day, before any
    run starts); the build stage checks the history it finds in raw the same way."""
    from lead_sla.agreement import AgreementError, load_agreement
    from lead_sla.agreement.in_force import first_judged_day, require_in_force

    try:
        require_in_force(load_agreement(settings.config), first_judged_day(first), last,
                         why=f"the first day of the month of {first}, the first day asked for")
    except AgreementError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _parse_day(value: str | None, option: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise _fail(f"{option} must be a date like 2026-10-31, got {value!r}", 2) from None


def _print_reports(reports: list[Any]) -> None:  # list[StreamReport]
    from rich.table import Table

    table = Table("stream", "files", "read", "loaded", "duplicate", "filtered", "quarantined", "cursor")
    for r in reports:
        table.add_row(r.stream, str(r.files_loaded), f"{r.rows_read:,}", f"{r.rows_loaded:,}",
                      f"{r.rows_duplicate:,}", f"{r.rows_filtered:,}", f"{r.rows_quarantined:,}", r.cursor or "")
    console.print(table)
    if any(r.rows_quarantined for r in reports):
        console.print("Quarantined rows: `lead-sla quarantine` lists them with their reasons.", highlight=False)


if __name__ == "__main__":
    app()
