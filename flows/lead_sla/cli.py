"""The ``lead-sla`` command: generate demo data, extract, and run the pipeline.

Exit codes: 0 success, 1 the pipeline ran and failed (a failed stream, a failed dbt test),
2 the command was used wrongly or its input is invalid (Typer's usage errors, bad config).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from lead_sla.settings import Settings

app = typer.Typer(
    name="lead-sla",
    help="The marketing-sales SLA as a nightly data pipeline (Prefect, dbt, DuckDB).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

from lead_sla.agreement import cli as agreement_cli  # noqa: E402 - sub-apps mount after the main app exists
from lead_sla.report import cli as report_cli  # noqa: E402
from lead_sla.scoring import cli as scoring_cli  # noqa: E402

app.add_typer(report_cli.app, name="report")
app.add_typer(agreement_cli.app, name="agreement")
app.add_typer(scoring_cli.app, name="score", help="Lead scores, prioritized lists and the backtest.")

DEMO_LEADS = 3000
DEMO_DAYS = 120
DEMO_SEED = 42
DEMO_END = date(2026, 10, 31)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # noqa: BLE001 - any settings problem is a usage problem
        err.print(f"[red]error:[/red] invalid settings (LEAD_SLA_* variables or .env): {exc}")
        raise typer.Exit(2) from None


@app.command()
def generate(
    out: Annotated[Optional[Path], typer.Option(help="Folder to write the exports to (default: the landing folder).")] = None,
    leads: Annotated[int, typer.Option(min=1, help="Number of leads to simulate.")] = DEMO_LEADS,
    days: Annotated[int, typer.Option(min=1, help="Days of history, ending on --end-date.")] = DEMO_DAYS,
    seed: Annotated[int, typer.Option(help="Random seed: same seed and parameters give identical files.")] = DEMO_SEED,
    end_date: Annotated[str, typer.Option(help="Last day of the simulation (YYYY-MM-DD).")] = DEMO_END.isoformat(),
) -> None:
    """Write the demo company's nightly exports: one folder per stream and day."""
    from lead_sla.sources.demo import generate as generate_exports

    settings = _settings()
    target = out or settings.landing
    summary = generate_exports(target, leads=leads, days=days, seed=seed, end_date=_parse_day(end_date, "--end-date"))
    console.print(f"Wrote {summary.files_written} files to {target} ({summary.start_date} to {summary.end_date}).")
    for stream, rows in summary.rows_per_stream.items():
        console.print(f"  {stream:<18} {rows:>12,} rows")


@app.command()
def extract(
    up_to: Annotated[Optional[str], typer.Option(help="Last export day to land (YYYY-MM-DD) (default: all).")] = None,
    stream: Annotated[Optional[list[str]], typer.Option(help="Only this stream (repeatable).")] = None,
) -> None:
    """Land new source data into the warehouse's raw layer (incremental; a rerun adds nothing)."""
    from lead_sla.flows.extract import ExtractionFailed, extract as extract_flow
    from lead_sla.landing.extract import LandingFolderMissing
    from lead_sla.sources.mapping import MappingError

    settings = _settings()
    day = _parse_day(up_to, "--up-to") if up_to else None
    _require_landing(settings)
    try:
        reports = extract_flow(settings=settings, up_to=day, streams=stream)
    except (LandingFolderMissing, MappingError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except ExtractionFailed as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    _print_reports(reports)


@app.command()
def run(
    date_: Annotated[Optional[str], typer.Option("--date", help="Day to build (YYYY-MM-DD) (default: yesterday in the reporting zone).")] = None,
    force_publish: Annotated[bool, typer.Option(help="Publish even when a newer day is already published.")] = False,
) -> None:
    """Run the nightly job for one day: extract, build and test, validate, score, publish, report.

    A day the warehouse already holds is replayed: the warehouse is rebuilt as of its latest day,
    restating that day with everything known.
    """
    from lead_sla.flows.nightly import nightly, yesterday

    settings = _settings()
    day = _parse_day(date_, "--date") if date_ else None
    _require_landing(settings)
    asked = day or yesterday(settings)
    _require_agreement(settings, asked, asked)
    result = _run_pipeline(lambda: nightly(run_date=day, force_publish=force_publish, settings=settings))
    if result.as_of_date and result.as_of_date != result.run_date:
        console.print(f"Replayed {result.run_date} inside a rebuild as of {result.as_of_date} (run {result.run_id}); "
                      f"published: {'yes' if result.published else 'no'}")
    else:
        console.print(f"Built {result.run_date} (run {result.run_id}); published: {'yes' if result.published else 'no'}")
    if result.report:
        console.print(f"Report: {result.report}")


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First day to build (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day to build (YYYY-MM-DD), included.")],
    force: Annotated[bool, typer.Option(help="Also replay the days the warehouse already holds.")] = False,
) -> None:
    """Build a range of days in one rebuild, under one hold of the run lock: as of its last day, every
    earlier day restated inside it. Days the warehouse already holds are part of it: --force replays
    them (one rebuild as of the warehouse's day)."""
    from lead_sla.flows.nightly import backfill as backfill_flow

    settings = _settings()
    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    if last < first:
        err.print(f"[red]error:[/red] --end {last} is before --start {first}")
        raise typer.Exit(2)
    _require_landing(settings)
    _require_agreement(settings, first, last)
    results = _run_pipeline(lambda: backfill_flow(start=first, end=last, force=force, settings=settings))
    built = [r for r in results if r.status == "success"]
    restated = [r for r in results if r.status == "restated"]
    skipped = [r for r in results if r.status == "skipped"]
    if built:
        console.print(f"Backfill {first}..{last}: one rebuild as of {built[0].as_of_date} (run {built[0].run_id}), "
                      f"{len(restated) + 1} day(s) built; published: {'yes' if built[0].published else 'no'}")
    if skipped:
        console.print(f"{len(skipped)} day(s) skipped: already part of the warehouse; --force replays them.")


def _run_pipeline(call):  # noqa: ANN001, ANN202 - a zero-argument callable and its result
    """Run a flow; a refused lock or a failed stage becomes exit code 1 with the reason; invalid input
    (a missing landing folder, a bad mapping, no agreement in force) exit code 2."""
    from lead_sla.agreement.errors import AgreementError
    from lead_sla.landing.extract import LandingFolderMissing
    from lead_sla.ops.lock import WarehouseBusy
    from lead_sla.sources.mapping import MappingError

    try:
        return call()
    except WarehouseBusy as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    except (LandingFolderMissing, MappingError, AgreementError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except Exception as exc:  # noqa: BLE001 - any stage failure is a failed run, with its reason
        err.print(f"[red]run failed:[/red] {exc}")
        err.print("See `lead-sla status` for the stage that failed.")
        raise typer.Exit(1) from None


@app.command()
def publish(
    date_: Annotated[Optional[str], typer.Option("--date", help="The day the warehouse holds (default: that day); any other day is refused.")] = None,
    force: Annotated[bool, typer.Option(help="Publish even when a newer day is already published.")] = False,
) -> None:
    """Publish the warehouse's marts as the read-only copy readers open (atomic swap).

    Only the day the warehouse was built for can be published; publishing moves forward only,
    unless --force.
    """
    from lead_sla.ops.lock import WarehouseBusy, warehouse_lock
    from lead_sla.ops.runlog import built_day, new_run_id, unfinished_build
    from lead_sla.publish.as_reported import record_first_report
    from lead_sla.publish.publisher import publish as publish_copy
    from lead_sla.publish.publisher import published_day
    from lead_sla.warehouse import open_warehouse

    settings = _settings()
    asked = _parse_day(date_, "--date") if date_ else None
    if not settings.warehouse.exists():
        err.print(f"[red]error:[/red] no warehouse at {settings.warehouse}; run `lead-sla run` or `lead-sla demo` first")
        raise typer.Exit(1)
    try:
        with warehouse_lock(settings.warehouse, run_id="publish", wait_seconds=settings.lock_wait_seconds):
            day = built_day(settings.warehouse)
            if day is None:
                err.print("[red]error:[/red] the warehouse has not been built yet; run `lead-sla run` first")
                raise typer.Exit(1)
            if asked is not None and asked != day:
                hint = (f"`lead-sla run --date {asked}` builds it" if asked > day else
                        "earlier days are restated inside it and are not published on their own")
                err.print(f"[red]error:[/red] the warehouse holds {day}, not {asked}: only the day the warehouse "
                          f"was built for can be published ({hint})")
                raise typer.Exit(2)
            unfinished = unfinished_build(settings.warehouse)
            if unfinished is not None:
                where = f"failed at {unfinished.failed_stage}" if unfinished.failed_stage else unfinished.status
                err.print(f"[red]not published:[/red] run {unfinished.run_id} for {unfinished.run_date} rebuilt the "
                          f"marts and did not succeed ({where}); they are not {day} as a successful run left it. "
                          f"Fix the cause and rerun it (`lead-sla run --date {unfinished.run_date}`); readers keep "
                          "the copy published now")
                raise typer.Exit(1)
            current = published_day(settings.published)
            if current is not None and current > day and not force:
                err.print(f"[yellow]not published:[/yellow] {current} is already published and is newer than {day}; "
                          "use --force to publish an older day")
                raise typer.Exit(1)
            run_id = new_run_id(day)
            conn = open_warehouse(settings)
            try:
                record_first_report(conn, day, run_id)
            finally:
                conn.close()
            result = publish_copy(settings.warehouse, settings.published, run_id=run_id, run_date=day, force=force,
                                  memory_limit=settings.duckdb_memory_limit)
    except WarehouseBusy as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"Published {day}: {result.database} and {result.parquet_dir} ({sum(result.tables.values()):,} rows in {len(result.tables)} tables)")


@app.command()
def status(
    limit: Annotated[int, typer.Option(min=1, help="How many runs to show.")] = 10,
) -> None:
    """Show the latest runs, what failed, and how fresh the published data is."""
    from rich.table import Table

    from lead_sla.ops.runlog import recent_runs
    from lead_sla.publish.as_reported import LEDGER, owner_names, restatement_lines, restatements
    from lead_sla.publish.publisher import read_manifest
    from lead_sla.warehouse import connect

    settings = _settings()
    manifest = read_manifest(settings.published)
    if manifest:
        console.print(f"Published: day {manifest['run_date']} (run {manifest['run_id']}, at {manifest['published_at']} UTC) in {settings.published}")
    else:
        console.print(f"Published: nothing yet in {settings.published}")
    if not settings.warehouse.exists():
        console.print(f"No warehouse at {settings.warehouse}: nothing has run yet (try `lead-sla demo`).")
        return
    from lead_sla.ops.lock import lock_path
    try:
        conn = connect(settings.warehouse, read_only=True)
    except Exception:  # noqa: BLE001 - a running pipeline holds the write lock
        console.print(f"A run is in progress (the warehouse is locked; {lock_path(settings.warehouse)}).")
        return
    try:
        rows = recent_runs(conn, limit)
        restated = restatements(conn)
        names = owner_names(conn)
    finally:
        conn.close()
    table = Table("run", "flow", "day", "built as of", "started (UTC)", "status", "failed stage")
    for run_id, flow, day, started, finished, state, failed, error, as_of in rows:
        style = {"success": "green", "failed": "red"}.get(state, "yellow")
        table.add_row(run_id, flow, str(day), str(as_of), f"{started:%Y-%m-%d %H:%M}", f"[{style}]{state}[/{style}]",
                      failed or "")
    console.print(table)
    for run_id, _, day, _, _, state, failed, error, _ in rows:
        if state in ("failed", "abandoned") and error:
            console.print(f"[red]{state}[/red] run {run_id} ({day}){' at ' + failed if failed else ''}: {error}")
            break  # the latest failure is what an operator acts on
    lines = restatement_lines(restated, names)
    if lines:
        console.print(f"\nRestated since first reported ({len(lines)} rows; every number in {LEDGER}):")
        for line in lines[:12]:
            console.print(f"  {line}", highlight=False, soft_wrap=True)


@app.command()
def demo(
    leads: Annotated[int, typer.Option(min=1, help="Number of leads to simulate.")] = DEMO_LEADS,
    days: Annotated[int, typer.Option(min=1, help="Days of history.")] = DEMO_DAYS,
) -> None:
    """Generate the demo company's data and run the main job on the embedded DuckDB warehouse."""
    from lead_sla.flows.nightly import nightly
    from lead_sla.sources.demo import generate as generate_exports

    settings = _settings()
    marker = settings.landing / ".generated.json"
    wanted = {"leads": leads, "days": days, "seed": DEMO_SEED, "end_date": DEMO_END.isoformat()}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        console.print(f"Generating demo exports ({leads:,} leads, {days} days) into {settings.landing} ...")
        generate_exports(settings.landing, leads=leads, days=days, seed=DEMO_SEED, end_date=DEMO_END)
        marker.write_text(json.dumps(wanted))
    result = _run_pipeline(lambda: nightly(run_date=DEMO_END, force_publish=True, settings=settings))
    console.print(f"\nDemo built as of {result.run_date}.")
    console.print(f"  report:    {result.report}")
    console.print(f"  published: {settings.published_dir}/lead_sla.duckdb and {settings.published_dir}/parquet/current/")
    console.print(f"  warehouse: {settings.warehouse} (the pipeline's own; readers open the published copy)")
    console.print(f"  try:       .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.published_dir}/lead_sla.duckdb', read_only=True).sql('from marts.fct_sales_sla_daily order by activity_date desc limit 10'))\"")


def _require_landing(settings: Settings) -> None:
    """A landing folder that does not exist is a usage error (exit 2), found before any run starts."""
    if not settings.landing.is_dir():
        err.print(f"[red]error:[/red] landing folder {settings.landing} does not exist; check LEAD_SLA_LANDING_DIR")
        raise typer.Exit(2)


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
        err.print(f"[red]error:[/red] {option} must be a date like 2026-10-31, got {value!r}")
        raise typer.Exit(2) from None


def _print_reports(reports: list) -> None:  # list[StreamReport]
    from rich.table import Table

    table = Table("stream", "files", "read", "loaded", "duplicate", "filtered", "quarantined", "cursor")
    for r in reports:
        table.add_row(r.stream, str(r.files_loaded), f"{r.rows_read:,}", f"{r.rows_loaded:,}",
                      f"{r.rows_duplicate:,}", f"{r.rows_filtered:,}", f"{r.rows_quarantined:,}", r.cursor or "")
    console.print(table)


if __name__ == "__main__":
    app()
