"""``lead-sla report``: build the day's SLA report from the published copy.

A Typer sub-app; the main CLI mounts it with ``app.add_typer(report_cli.app, name="report")``.
Exit codes follow the main CLI: 0 built, 1 nothing is published or the published copy cannot make
the report, 2 wrong usage or invalid input: a bad or unpublished ``--date``, an invalid setting.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from lead_sla.cli_settings import load_settings
from lead_sla.settings import Settings

app = typer.Typer(help="The nightly SLA report (one self-contained HTML file per day).", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]error:[/red] --date must be a day as YYYY-MM-DD, got {value!r}", highlight=False)
        raise typer.Exit(2) from None


@app.callback()
def main() -> None:
    """The nightly SLA report (one self-contained HTML file per day)."""


@app.command()
def build(
    date_: Annotated[Optional[str], typer.Option("--date", help="Day of the report (YYYY-MM-DD) (default: the published day).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(help="Folder to write to (default: reports/ next to the warehouse).")] = None,
) -> None:
    """Build the SLA report of the published day from the published copy and print its path."""
    from lead_sla.publish.publisher import DATABASE_NAME
    from lead_sla.report import NothingPublished, ReportError, build_report, read_publication

    day = _parse_day(date_) if date_ is not None else None
    settings = load_settings(Settings, err)
    published_db = settings.published / DATABASE_NAME
    publication = read_publication(published_db)
    if publication is None:
        err.print(f"[red]error:[/red] nothing is published at {published_db}: run `lead-sla run` for a day first",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if day is None:
        day = publication.run_date
    elif day != publication.run_date:
        # a --date other than the published day is wrong input (exit 2), like `publish --date`
        err.print(f"[red]error:[/red] --date {day.isoformat()} is not published: the published copy holds "
                  f"{publication.run_date.isoformat()} (run {publication.run_id}); a report can only be built for "
                  "the published day", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    target_dir = out_dir.resolve() if out_dir else settings.warehouse.parent / "reports"
    try:
        path = build_report(published_db, day, target_dir, reporting_timezone=settings.reporting_timezone)
    except NothingPublished as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except ReportError as exc:
        err.print(f"[red]report failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(str(path), highlight=False, soft_wrap=True)
