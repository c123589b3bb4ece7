"""Checks a command makes before anything runs: settings, config files, folders, and the sources' days.

Each check raises :class:`InvalidInput` with a message naming the setting or the file (and the
place in it); the CLI prints it once and exits 2, before the run lock, the run log or Prefect.
Plain functions, no Prefect, so that a bad setting costs a second, not a started pipeline.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lead_sla.settings import Settings


class InvalidInput(Exception):
    """A setting, a config file or an argument that cannot work: the command does not start (exit 2)."""


def check_mapping(settings: Settings):  # noqa: ANN201 - returns the SourceMapping (imported lazily)
    """The source mapping (``LEAD_SLA_SOURCE_MAPPING``) parses and validates; returns it."""
    from lead_sla.sources.mapping import MappingError, load_mapping

    try:
        return load_mapping(settings.mapping)
    except MappingError as exc:
        raise InvalidInput(f"{exc} (LEAD_SLA_SOURCE_MAPPING)") from None


def check_agreement(settings: Settings) -> None:
    """``sla.yml``, ``icp.yml`` and ``holidays.yml`` in the config folder parse and validate."""
    from lead_sla.agreement.errors import AgreementError
    from lead_sla.agreement.loader import load_agreement

    try:
        load_agreement(settings.config)
    except AgreementError as exc:
        raise InvalidInput(str(exc)) from None


def check_landing(settings: Settings) -> None:
    """The landing folder exists (a missing one is a wrong setting, not "0 files")."""
    if not settings.landing.is_dir():
        problem = "is not a folder" if settings.landing.exists() else "does not exist"
        raise InvalidInput(f"landing folder {settings.landing} {problem}; check LEAD_SLA_LANDING_DIR")


def check_writable(folder: Path, setting: str, purpose: str) -> None:
    """``folder`` (or, before it exists, the nearest folder above it) accepts a new file."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidInput(f"{setting} {folder} cannot be created: {existing} is a file, not a folder ({purpose})")
    try:
        handle, probe = tempfile.mkstemp(prefix=".lead-sla-write-check-", dir=existing)
    except OSError as exc:
        raise InvalidInput(
            f"{setting} {folder} cannot be written ({exc.strerror or exc}); {purpose}. "
            f"Point {setting} at a folder this user can write, or make it writable."
        ) from None
    os.close(handle)
    os.unlink(probe)


def check_run(settings: Settings, *, publishing: bool = True) -> None:
    """Everything a pipeline run reads or writes, before it starts: the mapping, the agreement, the
    landing folder, and the folders of the warehouse, the published copy and the log."""
    check_writable(settings.warehouse.parent, "LEAD_SLA_WAREHOUSE_PATH", "the warehouse lives there")
    check_writable(settings.log_path.parent, "LEAD_SLA_LOG_FILE", "the run's log goes there")
    if publishing:
        check_writable(settings.published, "LEAD_SLA_PUBLISHED_DIR", "the readers' copy is published there")
    check_mapping(settings)
    check_agreement(settings)
    check_landing(settings)


@dataclass(frozen=True)
class SourceDays:
    """The export days the landing folder holds for the streams read from files (None: no dated file)."""

    newest: date | None
    files: int


def source_days(settings: Settings) -> SourceDays:
    """The newest export day among the files the mapping reads (CRM streams read from the API aside).

    A file's export day is the last ``YYYY-MM-DD`` in its path; exports whose paths carry no day
    (a one-off historical export) leave ``newest`` None, and nothing can be said about a day.
    """
    from lead_sla.sources.mapping import export_date_of, load_mapping
    from lead_sla.sources.streams import get_stream

    mapping = load_mapping(settings.mapping)
    newest: date | None = None
    files = 0
    for load in mapping.loads:
        if settings.crm_api_url and get_stream(load.stream).system == "crm":
            continue
        for path in settings.landing.glob(load.files):
            if not path.is_file():
                continue
            files += 1
            day = export_date_of(path.relative_to(settings.landing).as_posix())
            if day is not None and (newest is None or day > newest):
                newest = day
    return SourceDays(newest, files)


def no_data_message(settings: Settings, day: date, days: SourceDays, *, defaulted: bool) -> str | None:
    """Why a run for ``day`` cannot build it from the sources, or None when they hold data for it."""
    if days.files and days.newest is None:
        return None  # undated exports: the sources' days are unknown
    if days.newest is not None and days.newest >= day:
        return None
    why = (f"the newest export in {settings.landing} is from {days.newest}, {(day - days.newest).days} days earlier"
           if days.newest is not None else f"{settings.landing} holds no export files for the mapping")
    lines = [f"the sources hold no data for {day}: {why}."]
    if defaulted:
        lines.append(f"Without --date a run builds yesterday in {settings.reporting_timezone}.")
    if days.newest is not None:
        lines.append(f"To build the newest exported day: lead-sla run --date {days.newest}")
    return " ".join(lines)
