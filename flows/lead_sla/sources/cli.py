"""``lead-sla mapping``: check what the source mapping makes of the landing folder.

A Typer sub-app the main CLI mounts lazily. Exit codes follow the main CLI: 0 every required stream
would land, 2 wrong usage, an invalid setting or mapping, a missing landing folder, or a required
stream that would land no rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(help="The source mapping (LEAD_SLA_SOURCE_MAPPING) over the landing folder.", no_args_is_help=True,
                  add_completion=False)
console = Console()
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """The source mapping (LEAD_SLA_SOURCE_MAPPING) over the landing folder (LEAD_SLA_LANDING_DIR)."""


@app.command()
def check(
    mapping: Annotated[Optional[Path], typer.Option(help="Mapping file to check (default: LEAD_SLA_SOURCE_MAPPING).")] = None,
    up_to: Annotated[Optional[str], typer.Option(help="Only files exported on or before this day (YYYY-MM-DD).")] = None,
    sample: Annotated[int, typer.Option(min=1, help="Quarantine reasons shown per stream.")] = 5,
) -> None:
    """A dry run of extraction: what the mapping makes of the landing folder, stream by stream.

    Per stream: files, rows, mapped and unmapped columns, quarantine reasons, values no value map
    names, and which marts a stream without data leaves without it. Nothing lands: the rows go into a throwaway database. Exit 2 when a required stream (contacts,
    lifecycle_changes) would land no rows.
    """
    from lead_sla.cli_settings import load_settings
    from lead_sla.landing.extract import LandingFolderMissing
    from lead_sla.settings import Settings
    from lead_sla.sources.check import check_mapping, describe
    from lead_sla.sources.mapping import MappingError, load_mapping

    day = None
    if up_to is not None:
        try:
            day = date.fromisoformat(up_to)
        except ValueError:
            err.print(f"[red]error:[/red] --up-to must be a date like 2026-10-31, got {up_to!r}", highlight=False)
            raise typer.Exit(2) from None
    settings = load_settings(Settings, err)
    try:
        result = check_mapping(settings, load_mapping(mapping or settings.mapping), up_to=day, sample=sample)
    except (MappingError, LandingFolderMissing) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for line in describe(result, sample=sample):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    if result.missing_required:
        raise typer.Exit(2)
