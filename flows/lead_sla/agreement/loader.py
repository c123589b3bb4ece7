"""Read and validate the agreement files; find the version in force on a day.

Every error is an ``AgreementError`` whose message names the file, the version (by its name
and position) and the field, e.g.::

    config/sla.yml, version '2026-09' (versions[1]), response_targets[0].priority:
    Input should be 'demo_request', 'tier_a' or 'other'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, Protocol, Sequence, TypeVar

import holidays as holidays_lib
import yaml
from pydantic import BaseModel, ValidationError

from lead_sla.agreement.errors import AgreementError
from lead_sla.agreement.models import HolidaysFile, IcpFile, IcpVersion, SlaFile, SlaVersion, split_calendar_code

SLA_FILE = "sla.yml"
ICP_FILE = "icp.yml"
HOLIDAYS_FILE = "holidays.yml"


class _Versioned(Protocol):
    version: str
    effective_from: date
    effective_to: date | None


V = TypeVar("V", SlaVersion, IcpVersion)


@dataclass(frozen=True)
class VersionSpan(Generic[V]):
    """A version with the end of its validity resolved (``effective_to`` None = still in force)."""

    version: V
    effective_from: date
    effective_to: date | None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class Agreement:
    """The validated agreement: SLA and ICP versions (sorted, with resolved ends) and holiday overrides."""

    sla: SlaFile
    icp: IcpFile
    holidays: HolidaysFile
    sla_versions: tuple[VersionSpan[SlaVersion], ...]
    icp_versions: tuple[VersionSpan[IcpVersion], ...]

    def sla_version_on(self, day: date) -> SlaVersion:
        """The SLA version in force on ``day``; ``AgreementError`` if none is."""
        return _in_force(self.sla_versions, day, SLA_FILE)

    def icp_version_on(self, day: date) -> IcpVersion:
        """The ICP version in force on ``day``; ``AgreementError`` if none is."""
        return _in_force(self.icp_versions, day, ICP_FILE)


def _in_force(spans: Sequence[VersionSpan[V]], day: date, file: str) -> V:
    for span in spans:
        if span.in_force_on(day):
            return span.version
    raise AgreementError(f"{file}: no version is in force on {day}")


def load_agreement(config_dir: Path) -> Agreement:
    """Read ``sla.yml``, ``icp.yml`` and ``holidays.yml`` from ``config_dir`` and validate them.

    Raises ``AgreementError`` naming the file, version and field of the first problem found.
    ``holidays.yml`` is optional (no overrides).
    """
    config_dir = Path(config_dir)
    sla = _parse(config_dir / SLA_FILE, SlaFile)
    icp = _parse(config_dir / ICP_FILE, IcpFile)
    holidays_path = config_dir / HOLIDAYS_FILE
    holidays = _parse(holidays_path, HolidaysFile) if holidays_path.exists() else HolidaysFile()
    sla_spans = _resolve_spans(sla.versions, _display(config_dir / SLA_FILE))
    icp_spans = _resolve_spans(icp.versions, _display(config_dir / ICP_FILE))
    for span in sla_spans:
        for month in span.version.marketing.months:
            if not span.in_force_on(month.month):
                raise AgreementError(
                    f"{_display(config_dir / SLA_FILE)}, version {span.version.version!r}, "
                    f"marketing.months {month.month:%Y-%m}: the month's targets belong to the version in "
                    f"force on its first day, and this version is in force from {span.effective_from}"
                    + (f" to {span.effective_to}" if span.effective_to else "")
                )
    unknown = sorted(
        code for code in holidays.countries
        if split_calendar_code(code)[0] not in sla.calendar.holiday_countries
    )
    if unknown:
        raise AgreementError(
            f"{_display(holidays_path)}, countries: {', '.join(unknown)} not in "
            f"{SLA_FILE} calendar.holiday_countries ({', '.join(sla.calendar.holiday_countries)})"
        )
    _check_removed_names(holidays, _display(holidays_path))
    return Agreement(sla=sla, icp=icp, holidays=holidays, sla_versions=sla_spans, icp_versions=icp_spans)


def _check_removed_names(overrides: HolidaysFile, where: str) -> None:
    """A removal by name must name a holiday the library knows for that country (its national
    calendar) or subdivision (national and regional days): catches typos."""
    for code, scope in overrides.countries.items():
        wanted = [r.name for r in scope.remove if r.name is not None]
        if not wanted:
            continue
        country, subdiv = split_calendar_code(code)
        library = holidays_lib.country_holidays(country, subdiv=subdiv, years=range(2000, 2061), language="en_US")
        known = {name for day in library for name in library.get_list(day)}
        for i, removal in enumerate(scope.remove):
            if removal.name is not None and removal.name not in known:
                raise AgreementError(
                    f"{where}, countries.{code}.remove[{i}].name: {removal.name!r} is not a public holiday "
                    f"of {code} in the holidays library"
                )


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


M = TypeVar("M", bound=BaseModel)


def _parse(path: Path, model: type[M]) -> M:
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgreementError(f"{where}: file not found ({path})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AgreementError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise AgreementError(f"{where}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AgreementError(_describe(where, data, exc)) from None


def _describe(where: str, data: dict[str, Any], exc: ValidationError) -> str:
    """One line per problem: file, version (name and position) and the field path."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        place = where
        if len(loc) >= 2 and loc[0] == "versions" and isinstance(loc[1], int):
            index = loc[1]
            versions = data.get("versions") or []
            name = versions[index].get("version") if index < len(versions) and isinstance(versions[index], dict) else None
            place += f", version {name!r} (versions[{index}])" if name else f", versions[{index}]"
            loc = loc[2:]
        field = _path(loc)
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{place}{', ' + field if field else ''}: {message}")
    return "\n".join(lines)


def _path(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _resolve_spans(versions: Sequence[V], where: str) -> tuple[VersionSpan[V], ...]:
    """Sort versions by effective_from and give each its end: the next version's start.

    An explicit ``effective_to`` must meet the next version exactly (no overlap, no gap); only the
    last version may end on its own (the agreement then lapses).
    """
    names = [v.version for v in versions]
    for name in names:
        if names.count(name) > 1:
            raise AgreementError(f"{where}, version {name!r}: version name used twice")
    ordered = sorted(versions, key=lambda v: v.effective_from)
    spans: list[VersionSpan[V]] = []
    for i, v in enumerate(ordered):
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        place = f"{where}, version {v.version!r} (versions[{names.index(v.version)}])"
        if nxt is not None and nxt.effective_from == v.effective_from:
            raise AgreementError(
                f"{place}, effective_from: {v.effective_from} is also the effective_from of version {nxt.version!r}"
            )
        end = v.effective_to
        if nxt is not None:
            if end is not None and end > nxt.effective_from:
                raise AgreementError(
                    f"{place}, effective_to: {end} overlaps version {nxt.version!r} in force from {nxt.effective_from}"
                )
            if end is not None and end < nxt.effective_from:
                raise AgreementError(
                    f"{place}, effective_to: {end} leaves a gap before version {nxt.version!r} "
                    f"(in force from {nxt.effective_from})"
                )
            end = nxt.effective_from
        spans.append(VersionSpan(version=v, effective_from=v.effective_from, effective_to=end))
    return tuple(spans)


def load_icp_draft(path: Path, placeholder_from: date) -> tuple[VersionSpan[IcpVersion], ...]:
    """Validate a draft of ``icp.yml`` exactly as ``load_agreement`` validates the real file.

    A draft leaves ``effective_from`` empty on the version a person still has to date; for the
    check, such a version is taken as in force from ``placeholder_from``. Everything else (rules,
    vocabularies, points, tiers, win rates, the order of versions) must already be valid.
    Raises ``AgreementError`` naming the file, version and field.
    """
    where = _display(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgreementError(f"{where}: file not found ({path})") from None
    except yaml.YAMLError as exc:
        raise AgreementError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
        raise AgreementError(f"{where}: expected a mapping with a list of versions at the top level")
    dated = {**data, "versions": [
        {**v, "effective_from": placeholder_from} if isinstance(v, dict) and v.get("effective_from") is None else v
        for v in data["versions"]
    ]}
    try:
        icp = IcpFile.model_validate(dated)
    except ValidationError as exc:
        raise AgreementError(_describe(where, dated, exc)) from None
    return _resolve_spans(icp.versions, where)
