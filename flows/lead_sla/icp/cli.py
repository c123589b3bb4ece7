"""``lead-sla icp``: the ideal customer profile revised from evidence.

A Typer sub-app; the main CLI loads it when called. Exit codes follow the main CLI: 0 draft
written, 1 nothing is published or the published copy cannot be read, 2 wrong usage or input (a
day other than the published one, no evidence to propose from, an invalid agreement).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The ideal customer profile revised from evidence.", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """The ideal customer profile revised from evidence."""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@app.command()
def propose(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Day whose evidence to use (YYYY-MM-DD) (default: the published day); it must be the published day.")] = None,
    output: Annotated[Optional[Path], typer.Option(help="Where to write the draft (default: icp.draft.yml in the config folder).")] = None,
) -> None:
    """Write a draft next ICP version fitted on the published evidence, and backtest it against the version in force.

    Reads the published copy only. The draft is icp.yml with one more version, whose
    effective_from is left empty: nothing changes until a person sets it and commits the draft as
    icp.yml. The same published day always gives the same draft and the same numbers.
    """
    import duckdb

    from lead_sla.agreement import AgreementError, load_agreement
    from lead_sla.agreement.loader import ICP_FILE
    from lead_sla.cli_settings import load_settings
    from lead_sla.icp.propose import DRAFT_FILE, NoEvidence, draft_version, read_proposal, write_draft
    from lead_sla.publish.publisher import DATABASE_NAME
    from lead_sla.report import read_publication
    from lead_sla.settings import Settings

    day: date | None = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            err.print(f"[red]error:[/red] --as-of must be a date like 2026-10-31, got {as_of!r}", highlight=False)
            raise typer.Exit(2) from None
    settings = load_settings(Settings, err)
    published_db = settings.published / DATABASE_NAME
    publication = read_publication(published_db)
    if publication is None:
        err.print(f"[red]error:[/red] nothing is published at {published_db}: run `lead-sla run` for a day first",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if day is not None and day != publication.run_date:
        err.print(f"[red]error:[/red] --as-of {day} is not published: the published copy holds "
                  f"{publication.run_date} (run {publication.run_id}); the evidence is read as of the published day",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    day = publication.run_date
    try:
        agreement = load_agreement(settings.config)
        in_force = agreement.icp_version_on(day)
    except AgreementError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        conn = duckdb.connect(str(published_db), read_only=True)
    except duckdb.Error as exc:
        err.print(f"[red]error:[/red] cannot open the published copy {published_db}: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    try:
        proposal = read_proposal(conn, day)
    except NoEvidence as exc:
        err.print(f"[red]no evidence:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except duckdb.CatalogException as exc:
        err.print(f"[red]error:[/red] the published copy lacks the ICP proposal's marts (published by an older "
                  f"version?): {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        conn.close()
    target = output if output is not None else settings.config / DRAFT_FILE
    try:
        write_draft(settings.config / ICP_FILE, target, draft_version(proposal, in_force))
    except (AgreementError, ValueError) as exc:
        err.print(f"[red]error:[/red] the draft is not a valid icp.yml, nothing written: {exc}", highlight=False,
                  soft_wrap=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {target}: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    print_proposal(proposal, in_force.version, target)


def print_proposal(proposal, in_force_version: str, target: Path, out: Console | None = None) -> None:  # noqa: ANN001 - a Proposal
    """The draft's rules and its backtest against the version in force, as tables."""
    out = out or console
    out.print(f"Draft written to {target}: version proposed-{proposal.as_of}, effective_from left for you to set.",
              highlight=False, soft_wrap=True)
    out.print(f"Fitted on the first handoffs of {proposal.training_from} to {proposal.training_to}: "
              f"{proposal.training_leads} leads, {proposal.training_wins} won. Tier A from "
              f"{proposal.tier_a_min_points} points, B from {proposal.tier_b_min_points}.", highlight=False, soft_wrap=True)
    out.print(f"Compared with the version in force at each handoff ({in_force_version} on {proposal.as_of}):",
              highlight=False, soft_wrap=True)
    rules = Table("rule", "values", "points", title="proposed rules")
    for rule in proposal.rules:
        rules.add_row(rule.id, ", ".join(rule.values), str(rule.points))
    out.print(rules)
    for period, title in (("later", "later period: leads the draft was not fitted on"),
                          ("training", "training window: the leads it was fitted on")):
        if not any(t.period == period for t in proposal.tiers):
            out.print(f"No lead had its first handoff in the {title.split(':')[0]} yet: nothing to compare there.",
                      highlight=False, soft_wrap=True)
            continue
        table = Table("ICP", "tier", "leads", "wins", "win rate", "95% interval", "lift", title=title)
        for icp, name in (("in_force", "in force"), ("proposed", "proposed")):
            for tier in ("A", "B", "C"):
                row = proposal.tier(period, icp, tier)
                interval = "" if row.lower_95 is None else f"{row.lower_95:.3f} – {row.upper_95:.3f}"
                table.add_row(name, tier, str(row.leads), str(row.wins), _fmt(row.win_rate), interval, _fmt(row.lift, 2))
        out.print(table)
    out.print(f"Later period: {proposal.later_leads} leads, {proposal.later_wins} won (recent handoffs may still win).",
              highlight=False)
    for auc in proposal.auc:
        name = "in force" if auc.icp == "in_force" else "proposed"
        if auc.value is None:
            out.print(f"ROC AUC {name}: n/a (the later period needs both won and not-won leads)", highlight=False)
        else:
            out.print(f"ROC AUC {name}: {auc.value:.3f} (95% interval {auc.lower_95:.3f} – {auc.upper_95:.3f})",
                      highlight=False)
    out.print("Nothing changes until a person sets effective_from and commits the draft as icp.yml.", highlight=False)


if __name__ == "__main__":
    app()
