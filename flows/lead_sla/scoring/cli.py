"""``lead-sla score``: score a day's open leads, and backtest the scorers.

A Typer sub-app (``app``) to mount under the main command. Exit codes as the main command:
0 success, 1 the run or the backtest failed (the message says why), 2 wrong usage or input.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from lead_sla.cli_settings import load_settings
from lead_sla.scoring.backtest import BacktestReport, run_backtest
from lead_sla.settings import ModelPolicy, Settings

app = typer.Typer(
    name="score",
    help="Lead scoring: score a day's open leads into prioritized lists, and backtest the scorers.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return load_settings(Settings, err)


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]error:[/red] {option} must be a date like 2026-10-31, got {value!r}")
        raise typer.Exit(2) from None


@app.command()
def run(
    date_: Annotated[Optional[str], typer.Option("--date", help="Day to score (YYYY-MM-DD) (default: yesterday in the reporting zone); its marts must be built.")] = None,
) -> None:
    """Score a day: model, lead scores, each owner's list, CRM exports (and push, if configured)."""
    from lead_sla.flows.scoring import score
    from lead_sla.ops.lock import WarehouseBusy, warehouse_lock

    settings = _settings()
    if date_ is None:
        now = datetime.now(ZoneInfo(settings.reporting_timezone))
        day = (now - timedelta(days=1)).date()
    else:
        day = _parse_day(date_, "--date")
    if not settings.warehouse.exists():
        err.print(f"[red]error:[/red] no warehouse at {settings.warehouse}; run `lead-sla run --date {day}` first")
        raise typer.Exit(1)
    try:
        with warehouse_lock(settings.warehouse, run_id=f"score {day}", wait_seconds=settings.lock_wait_seconds):
            result = score(run_date=day, settings=settings)
    except WarehouseBusy as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - any failure of the run, with its reason
        err.print(f"[red]scoring failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"Scored {result.leads_scored:,} open leads as of the end of {day} ({result.score_basis}).")
    console.print(f"  model: {result.model_status}")
    console.print(f"  lists for {result.owners_listed} owners; exports in {result.export_folder}")
    if result.push.status == "not_configured":
        console.print(f"  {result.tasks_exported} CRM tasks exported; no CRM target configured, nothing sent")
    else:
        console.print(f"  CRM tasks: {result.push.sent} sent, {result.push.skipped_already_pushed} already pushed "
                      f"before, {result.push.already_in_crm} already in the CRM")


@app.command()
def backtest(
    from_: Annotated[str, typer.Option("--from", help="First day of the evaluated period (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day of the evaluated period (YYYY-MM-DD), included.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    min_labelled_leads: Annotated[Optional[int], typer.Option(min=1, help="Override the learned model's minimum of labelled leads.")] = None,
    min_conversions: Annotated[Optional[int], typer.Option(min=1, help="Override the learned model's minimum of converted leads.")] = None,
    horizon_days: Annotated[Optional[int], typer.Option(min=1, help="Override the label's horizon in days.")] = None,
) -> None:
    """Compare fit, engagement, combined and learned scores on outcomes known between --from and --to."""
    from lead_sla.warehouse import connect

    settings = _settings()
    start, end = _parse_day(from_, "--from"), _parse_day(to, "--to")
    if end < start:
        err.print(f"[red]error:[/red] --to {end} is before --from {start}")
        raise typer.Exit(2)
    defaults = settings.model_policy
    policy = ModelPolicy(
        min_labelled_leads=min_labelled_leads or defaults.min_labelled_leads,
        min_conversions=min_conversions or defaults.min_conversions,
        horizon_days=horizon_days or defaults.horizon_days,
        validation_days=defaults.validation_days,
    )
    try:
        conn = connect(settings.warehouse, read_only=True)
    except Exception as exc:  # noqa: BLE001 - missing or locked warehouse
        err.print(f"[red]error:[/red] cannot open the warehouse {settings.warehouse}: {exc}")
        raise typer.Exit(1) from None
    try:
        report = run_backtest(conn, start, end, timezone=settings.reporting_timezone, policy=policy)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except Exception as exc:  # noqa: BLE001 - e.g. the warehouse lacks a mart
        err.print(f"[red]backtest failed:[/red] {exc}")
        raise typer.Exit(1) from None
    finally:
        conn.close()
    if json_output:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        print_report(report)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def print_report(report: BacktestReport, out: Console | None = None) -> None:
    """The backtest as tables: per population, the scorers' metrics, then their calibration."""
    out = out or console
    out.print(f"Backtest of outcomes known {report.start} .. {report.end} "
              f"(warehouse as of {report.data_as_of:%Y-%m-%d %H:%M} UTC)")
    out.print(f"Label: {report.label}.")
    out.print(f"Learned model: {report.training.message}.")
    for population in report.populations:
        out.print(f"\n[bold]{population.population}[/bold]: {population.description}; {population.rows:,} rows, "
                  f"{population.conversions:,} converted (base rate {_fmt(population.base_rate)})")
        if not population.scorers:
            continue
        table = Table("scorer", "ROC AUC", "top-decile rate", "base rate", "top-decile lift")
        for metrics in population.scorers:
            table.add_row(metrics.scorer, _fmt(metrics.roc_auc), _fmt(metrics.top_decile_rate), _fmt(metrics.base_rate),
                          _fmt(metrics.top_decile_lift, 2))
        if not report.training.trained:
            table.add_row("learned", "not trained", "", "", "")
        out.print(table)
        calibration = Table("bin", *[f"{m.scorer}\nmean score -> observed" for m in population.scorers],
                            title="calibration (ten equal-count bins, lowest scores first)")
        for number in range(max(len(m.calibration) for m in population.scorers)):
            cells = []
            for metrics in population.scorers:
                if number < len(metrics.calibration):
                    item = metrics.calibration[number]
                    digits = 3 if metrics.scorer == "learned" else 1
                    cells.append(f"{item.mean_score:.{digits}f} -> {item.observed_rate:.3f} ({item.conversions}/{item.rows})")
                else:
                    cells.append("")
            calibration.add_row(str(number + 1), *cells)
        out.print(calibration)


if __name__ == "__main__":
    app()
