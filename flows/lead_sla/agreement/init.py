"""``agreement init``: write a first SLA and ICP version, from the defaults, in force from a day.

History older than the agreement cannot be built (every handoff is judged by the version in force
on its day). :func:`init_agreement` gives such history an agreement: in ``sla.yml`` and ``icp.yml``
of the config folder it writes a version in force from ``effective_from`` until the file's first
version (or for good, in a new file), made of :data:`DEFAULT_SLA_VERSION` and
:data:`DEFAULT_ICP_VERSION`. Existing files keep every byte (comments included): the new version
is inserted as the first item of their ``versions`` list. Nothing is overwritten: if either file
already has a version in force on that day, or one that starts earlier, nothing is written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lead_sla.agreement.errors import AgreementError
from lead_sla.agreement.loader import HOLIDAYS_FILE, ICP_FILE, SLA_FILE, load_agreement
from lead_sla.agreement.models import IcpFile, IcpVersion, SlaFile, SlaVersion

# The countries whose public holidays a new sla.yml keeps (a rep's country outside it has none).
DEFAULT_HOLIDAY_COUNTRIES: tuple[str, ...] = ("US", "CA", "GB", "DE", "PL", "FR", "ES", "BR", "IN", "AU")

# A first SLA version: the commitments of the project's first signed agreement, without month overrides.
DEFAULT_SLA_VERSION: dict[str, Any] = {
    "routing_limit_business_minutes": 30,
    "response_targets": [
        {"priority": "demo_request", "business_minutes": 60},
        {"priority": "tier_a", "business_minutes": 240},
        {"priority": "other", "business_minutes": 480},
    ],
    "attempts": {"min_attempts": 5, "window_business_days": 10},
    "acceptance_window_days": 30,
    "late_severity": {
        "bands": [
            {"band": "up_to_60", "up_to_business_minutes": 60},
            {"band": "up_to_240", "up_to_business_minutes": 240},
            {"band": "up_to_1_business_day", "up_to_business_days": 1},
        ],
        "beyond": "over_1_business_day",
    },
    "priority_list": {"recently_overdue_business_days": 2},
    "untouched_lead": {"after_business_days": 5, "action": "recycle_to_marketing"},
    "default_calendar": {"timezone": "America/New_York", "country": "US", "work_start": "09:00", "work_end": "17:00"},
    "segments": {"smb": ["1-10", "11-50"], "mid_market": ["51-200", "201-1000"], "enterprise": ["1001-5000", "5000+"]},
    "marketing": {
        "default_targets": {
            "smb": {"mql_target": 40},
            "mid_market": {"mql_target": 55},
            "enterprise": {"mql_target": 10},
            "unknown": {"mql_target": 2},
        },
    },
}

# A first ICP version: the project's first ICP.
DEFAULT_ICP_VERSION: dict[str, Any] = {
    "tiers": {"a_min_points": 70, "b_min_points": 40},
    "rules": [
        {"id": "industry_core", "attribute": "industry", "values": ["software", "fintech"], "points": 25,
         "label": "Industry: software or fintech"},
        {"id": "industry_adjacent", "attribute": "industry", "values": ["healthcare", "logistics", "media"],
         "points": 10, "label": "Industry: adjacent"},
        {"id": "size_core", "attribute": "company_size", "values": ["51-200", "201-1000"], "points": 20,
         "label": "Company size 51-1000"},
        {"id": "size_large", "attribute": "company_size", "values": ["1001-5000"], "points": 10,
         "label": "Company size 1001-5000"},
        {"id": "revenue_core", "attribute": "annual_revenue", "values": ["10M-50M", "50M-250M"], "points": 15,
         "label": "Revenue 10M-250M"},
        {"id": "need_core", "attribute": "need", "values": ["lead_routing", "sla_reporting"], "points": 20,
         "label": "Need: lead routing or SLA reporting"},
        {"id": "need_adjacent", "attribute": "need", "values": ["lead_scoring"], "points": 10,
         "label": "Need: lead scoring"},
        {"id": "seniority_buyer", "attribute": "seniority", "values": ["c_level", "vp", "director"], "points": 10,
         "label": "Seniority: director or above"},
        {"id": "country_core", "attribute": "country", "values": ["US", "GB", "DE"], "points": 10,
         "label": "Country: US, GB or DE"},
    ],
    "win_rates": {
        "A": {"win_probability": 0.12, "average_deal_size": 30000},
        "B": {"win_probability": 0.05, "average_deal_size": 22000},
        "C": {"win_probability": 0.01, "average_deal_size": 15000},
    },
}

_VERSIONS_LINE = re.compile(r"^versions:[ \t]*(#.*)?$", re.MULTILINE)
_ITEM_LINE = re.compile(r"^([ \t]*)- ", re.MULTILINE)


class _Dumper(yaml.SafeDumper):
    """Leaf lists and mappings in flow style, like the shipped files; times always quoted ('09:00'),
    as the agreement files ask (YAML reads an unquoted 17:00 as a number)."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if _TIME.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_Dumper.add_representer(str, _represent_text)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)


class AgreementExists(AgreementError):
    """``agreement init`` refused: a file already has a version in force on the day, or an earlier one."""


@dataclass(frozen=True)
class WrittenVersion:
    """One version ``init_agreement`` wrote: where, its name, and until when it is in force."""

    path: Path
    label: str
    version: str
    effective_from: date
    until: tuple[str, date] | None  # the version that follows it (name, effective_from), if any
    created_file: bool

    def describe(self) -> str:
        action = "wrote" if self.created_file else "added to"
        until = f" until version {self.until[0]!r} ({self.until[1]})" if self.until else ""
        return f"{action} {self.path}: {self.label} version {self.version!r} in force from {self.effective_from}{until}"


def version_name(effective_from: date) -> str:
    """The name ``init`` gives the version it writes."""
    return f"initial-{effective_from.isoformat()}"


def init_agreement(config_dir: Path, effective_from: date) -> list[WrittenVersion]:
    """Write a first SLA and ICP version in force from ``effective_from`` into ``config_dir``.

    Raises ``AgreementExists`` (nothing written) when a file already has a version in force on
    ``effective_from`` or starting before it, and ``AgreementError`` when an existing file is invalid.
    """
    config_dir = Path(config_dir)
    name = version_name(effective_from)
    sla_version = {"version": name, "effective_from": effective_from,
                   "description": f"First version for history from {effective_from}, written by `lead-sla agreement init` "
                                  "from the defaults; edit it to the agreement that was in force.",
                   **DEFAULT_SLA_VERSION}
    icp_version = {"version": name, "effective_from": effective_from,
                   "description": f"First ICP for history from {effective_from}, written by `lead-sla agreement init` "
                                  "from the defaults.",
                   **DEFAULT_ICP_VERSION}
    SlaVersion.model_validate(sla_version)
    IcpVersion.model_validate(icp_version)

    plans = [
        _plan(config_dir / SLA_FILE, "SLA", sla_version, effective_from,
              lambda v: {"calendar": {"holiday_countries": list(DEFAULT_HOLIDAY_COUNTRIES)}, "versions": [v]}),
        _plan(config_dir / ICP_FILE, "ICP", icp_version, effective_from, lambda v: {"versions": [v]}),
    ]
    _validate_together(config_dir, {path.name: text for path, text, _ in plans})
    config_dir.mkdir(parents=True, exist_ok=True)
    for path, text, _ in plans:
        _write_atomically(path, text)
    return [written for _, _, written in plans]


def _plan(path: Path, label: str, version: dict[str, Any], effective_from: date,
          new_file: Any) -> tuple[Path, str, WrittenVersion]:
    """The file's new text and what it will hold; refuses when the day is already covered."""
    if not path.exists():
        body = _dump(new_file(version))
        header = (f"# Written by `lead-sla agreement init --effective-from {effective_from}` from the defaults.\n"
                  "# Versioned: add a version to change the agreement from a day; never edit one that has been in force.\n")
        written = WrittenVersion(path, label, version["version"], effective_from, None, created_file=True)
        return path, header + body, written
    text = path.read_text(encoding="utf-8")
    model = SlaFile if label == "SLA" else IcpFile
    try:
        existing = model.model_validate(yaml.safe_load(text) or {}).versions
    except Exception as exc:  # noqa: BLE001 - reported as the file's problem, with pydantic's message
        raise AgreementError(f"{path.name}: cannot add a first version to an invalid file: {exc}") from None
    first = min(existing, key=lambda v: v.effective_from)
    if effective_from >= first.effective_from:
        covering = [v for v in existing if v.effective_from <= effective_from]
        latest = max(covering, key=lambda v: v.effective_from)
        raise AgreementExists(
            f"{path}: version {latest.version!r} (from {latest.effective_from}) already covers {effective_from} or "
            f"comes before it; nothing written. `agreement init` writes a first version only: give a day before "
            f"{first.effective_from}, or add a version to {path.name} by hand."
        )
    match = _VERSIONS_LINE.search(text)
    item = _ITEM_LINE.search(text, match.end()) if match else None
    if match is None or item is None:
        raise AgreementError(f"{path}: `versions:` is not a block list this command can add to; add this version "
                             f"by hand:\n{_dump([version])}")
    indent = item.group(1)
    block = _dump([version])
    block = "".join(f"{indent}{line}\n" if line else "\n" for line in block.splitlines())
    insert_at = match.end() + 1
    new_text = text[:insert_at] + block + "\n" + text[insert_at:]
    written = WrittenVersion(path, label, version["version"], effective_from,
                             (first.version, first.effective_from), created_file=False)
    return path, new_text, written


def _validate_together(config_dir: Path, texts: dict[str, str]) -> None:
    """Load the would-be agreement (the new texts with the folder's holidays.yml) before writing anything."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / config_dir.name
        trial.mkdir()
        for name, text in texts.items():
            (trial / name).write_text(text, encoding="utf-8")
        if (config_dir / HOLIDAYS_FILE).exists():
            shutil.copy(config_dir / HOLIDAYS_FILE, trial / HOLIDAYS_FILE)
        load_agreement(trial)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
