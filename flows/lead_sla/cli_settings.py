"""Settings for a command: built once at the entry point, or a clear usage error (exit 2).

Every command (the main CLI and its ``report``, ``score`` and ``agreement`` sub-apps) builds its
settings through :func:`load_settings`, so an invalid ``LEAD_SLA_*`` variable reads the same
everywhere: one line per invalid setting, named as the user sets it, without pydantic's own text.
Imports only Typer, Rich and pydantic (fast start).
"""

from __future__ import annotations

from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from lead_sla.settings import Settings, describe_settings_error

S = TypeVar("S", bound=Settings)

PREFIX = "invalid settings (LEAD_SLA_* variables or .env)"


def settings_error_message(exc: Exception) -> str:
    """What a command prints for a settings problem: ``invalid settings (...): LEAD_SLA_X: why``,
    one line for one invalid setting, one line per setting below the prefix for several."""
    if isinstance(exc, ValidationError):
        lines = describe_settings_error(exc).splitlines() or [str(exc)]
    else:
        lines = [str(exc)]
    if len(lines) == 1:
        return f"{PREFIX}: {lines[0]}"
    return f"{PREFIX}:\n" + "\n".join(f"  {line}" for line in lines)


def load_settings(factory: type[S] = Settings, err: Console | None = None) -> S:  # type: ignore[assignment]
    """``factory()`` (the one ``Settings`` of the pipeline, or a test's stand-in), or print the
    problem once on stderr and exit 2 (wrong usage or invalid input), before anything runs."""
    try:
        return factory()
    except Exception as exc:  # noqa: BLE001 - any settings problem is a usage problem
        console = err or Console(stderr=True)
        console.print(f"[red]error:[/red] {escape(settings_error_message(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
