"""``lead-sla report``: build the day's SLA report from the published copy, and send it.

A Typer sub-app; the main CLI mounts it with ``app.add_typer(report_cli.app, name="report")``.
Exit codes follow the main CLI: 0 built (or sent), 1 nothing is published, the published copy cannot
make the report, or a channel could not deliver it, 2 wrong usage or invalid input: a bad or
unpublished ``--date``, an invalid setting, no channel configured for ``send``.
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
    from lead_sla.report import NothingPublished, ReportError, build_report

    if date_ is not None:
        _parse_day(date_)
    settings = load_settings(Settings, err)
    published_db, day = _published_day(settings, date_)
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


def _published_day(settings: Settings, date_: str | None) -> tuple[Path, date]:
    """The published copy and the day a command works on: the published day, or ``--date`` when it is
    that day (exit 1 when nothing is published, 2 for another day)."""
    from lead_sla.publish.publisher import DATABASE_NAME
    from lead_sla.report import read_publication

    day = _parse_day(date_) if date_ is not None else None
    published_db = settings.published / DATABASE_NAME
    publication = read_publication(published_db)
    if publication is None:
        err.print(f"[red]error:[/red] nothing is published at {published_db}: run `lead-sla run` for a day first",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if day is not None and day != publication.run_date:
        # a --date other than the published day is wrong input (exit 2), like `publish --date`
        err.print(f"[red]error:[/red] --date {day.isoformat()} is not published: the published copy holds "
                  f"{publication.run_date.isoformat()} (run {publication.run_id}); a report can only be built for "
                  "the published day", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    return published_db, publication.run_date


@app.command()
def send(
    date_: Annotated[Optional[str], typer.Option("--date", help="Day of the report (YYYY-MM-DD) (default: the published day).")] = None,
) -> None:
    """E-mail the published day's report (HTML inline) and post its summary to a webhook.

    Each channel is off until configured: LEAD_SLA_SMTP_HOST with LEAD_SLA_REPORT_MAIL_FROM and _MAIL_TO
    for e-mail, LEAD_SLA_REPORT_WEBHOOK_URL for the webhook (Slack-compatible JSON). The report is built
    again from the published copy first. Exit 1 when a channel could not deliver (the other is still tried).
    """
    from lead_sla.report import NothingPublished, ReportError
    from lead_sla.report.build import write_report
    from lead_sla.report.data import load_report_data
    from lead_sla.report.send import channels, deliver

    settings = load_settings(Settings, err)
    if date_ is not None:
        _parse_day(date_)
    if not channels(settings):
        err.print("[red]error:[/red] nothing to send to: set LEAD_SLA_SMTP_HOST (with LEAD_SLA_REPORT_MAIL_FROM and "
                  "LEAD_SLA_REPORT_MAIL_TO) for e-mail, or LEAD_SLA_REPORT_WEBHOOK_URL for a webhook",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    published_db, day = _published_day(settings, date_)
    try:
        data = load_report_data(published_db, day, settings.reporting_timezone)
        path = write_report(data, settings.reports_dir, reporting_timezone=settings.reporting_timezone)
    except (NothingPublished, ReportError) as exc:
        err.print(f"[red]report failed:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    results = deliver(settings, data, path)
    for result in results:
        if result.sent:
            console.print(f"{result.channel}: {result.detail}", highlight=False, soft_wrap=True)
        else:
            err.print(f"[red]not sent:[/red] {result.detail}", highlight=False, soft_wrap=True)
    if not all(r.sent for r in results):
        raise typer.Exit(1)
