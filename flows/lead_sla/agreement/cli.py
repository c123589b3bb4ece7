"""``lead-sla agreement``: the versioned agreement in the config folder (``LEAD_SLA_CONFIG_DIR``).

A Typer sub-app; the main CLI mounts it with ``app.add_typer(agreement_cli.app, name="agreement")``.
Exit codes follow the main CLI: 0 written, 2 wrong usage, invalid settings or files, or refused.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="The versioned agreement (sla.yml, icp.yml) in the config folder.", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """The versioned agreement (sla.yml, icp.yml) in the config folder (LEAD_SLA_CONFIG_DIR)."""


@app.command()
def init(
    effective_from: Annotated[str, typer.Option(help="First day the version is in force (YYYY-MM-DD).")],
) -> None:
    """Write a first SLA and ICP version, from the defaults, in force from --effective-from.

    For history older than the agreement: each file of the config folder gets a version in force
    from that day until its first version (a missing file is created). Nothing is overwritten: a
    file that already has a version in force on that day, or an earlier one, is refused.
    """
    from lead_sla.agreement.errors import AgreementError
    from lead_sla.agreement.init import init_agreement
    from lead_sla.cli_settings import load_settings
    from lead_sla.settings import Settings

    try:
        day = date.fromisoformat(effective_from)
    except ValueError:
        err.print(f"[red]error:[/red] --effective-from must be a date like 2026-10-31, got {effective_from!r}")
        raise typer.Exit(2) from None
    settings = load_settings(Settings, err)
    try:
        written = init_agreement(settings.config, day)
    except AgreementError as exc:
        err.print(f"[red]refused:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for version in written:
        console.print(version.describe(), highlight=False, soft_wrap=True)
    console.print("Edit them to the agreement that was in force then; each version runs until the next one's "
                  "effective_from.", highlight=False, soft_wrap=True)
