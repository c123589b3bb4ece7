"""``lead-sla report``: build the day's SLA report from the published copy.

A Typer sub-app; the main CLI mounts it with ``app.add_typer(report_cli.app, name="report")``.
Exit codes follow the main CLI: 0 built, 1 nothing (or another day) is published or the published
copy cannot make the report, 2 wrong usage or invalid settings.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(help="The nightly SLA report (one self-contained HTML file per day).", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)


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
    from lead_sla.settings import Settings

    try:
        settings = Settings()
    except Exception as exc:  # noqa: BLE001 - any settings problem is a usage problem
        err.print(f"[red]error:[/red] invalid settings (LEAD_SLA_* variables or .env): {exc}")
        raise typer.Exit(2) from None
    assert settings.published_dir is not None
    published_db = settings.published_dir / DATABASE_NAME
    if date_ is None:
        publication = read_publication(published_db)
        if publication is None:
            err.print(f"[red]error:[/red] nothing is published at {published_db}: run `lead-sla run` for a day first")
            raise typer.Exit(1)
        day = publication.run_date
    else:
        try:
            day = date.fromisoformat(date_)
        except ValueError:
            err.print(f"[red]error:[/red] --date must be a day as YYYY-MM-DD, got {date_!r}")
            raise typer.Exit(2) from None
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
