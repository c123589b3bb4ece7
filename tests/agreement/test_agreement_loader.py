"""The agreement files load, and every invalid file fails with a message naming file, version and field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lead_sla.agreement import AgreementError, load_agreement


def test_committed_files_load(repo_config_dir: Path) -> None:
    agreement = load_agreement(repo_config_dir)
    assert len(agreement.sla_versions) >= 2
    assert len(agreement.icp_versions) >= 2
    # Versions chain: each ends where the next starts, the last is open.
    for spans in (agreement.sla_versions, agreement.icp_versions):
        for earlier, later in zip(spans, spans[1:]):
            assert earlier.effective_to == later.effective_from
        assert spans[-1].effective_to is None


def test_revenue_math_target_is_derived(repo_config_dir: Path) -> None:
    version = load_agreement(repo_config_dir).sla_version_on(date(2025, 3, 1))
    target = version.marketing.default_targets["mid_market"]
    assert target.revenue_math is not None
    assert target.mql_target == target.revenue_math.derived_mql_target == 55


@pytest.mark.parametrize(
    ("day", "sla_version", "tier_a_minutes", "icp_version"),
    [
        pytest.param(date(2025, 1, 1), "2025-01", 240, "icp-2025.1", id="first-day-of-first-version"),
        pytest.param(date(2026, 6, 30), "2025-01", 240, "icp-2025.1", id="day-before-icp-revision"),
        pytest.param(date(2026, 7, 1), "2025-01", 240, "icp-2026.2", id="icp-revision-day"),
        pytest.param(date(2026, 8, 31), "2025-01", 240, "icp-2026.2", id="day-before-sla-revision"),
        pytest.param(date(2026, 9, 1), "2026-09", 180, "icp-2026.2", id="sla-revision-day-tier-a-tightened"),
        pytest.param(date(2030, 1, 1), "2026-09", 180, "icp-2026.2", id="open-ended-latest-version"),
    ],
)
def test_version_in_force_on_a_day(
    repo_config_dir: Path, day: date, sla_version: str, tier_a_minutes: int, icp_version: str
) -> None:
    agreement = load_agreement(repo_config_dir)
    sla = agreement.sla_version_on(day)
    assert sla.version == sla_version
    assert {t.priority: t.business_minutes for t in sla.response_targets}["tier_a"] == tier_a_minutes
    assert agreement.icp_version_on(day).version == icp_version


def test_no_version_before_the_first(repo_config_dir: Path) -> None:
    with pytest.raises(AgreementError, match=r"sla\.yml: no version is in force on 2024-12-31"):
        load_agreement(repo_config_dir).sla_version_on(date(2024, 12, 31))


def _set(path: str, value: Any):
    """A change that sets ``value`` at a dotted path (list indexes as numbers)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _drop_priority(data: dict[str, Any]) -> None:
    data["versions"][1]["response_targets"] = data["versions"][1]["response_targets"][:2]


def _duplicate_sla_version(data: dict[str, Any]) -> None:
    data["versions"][1]["effective_from"] = data["versions"][0]["effective_from"]


def _overlap(data: dict[str, Any]) -> None:
    data["versions"][0]["effective_to"] = date(2026, 10, 1)


def _gap(data: dict[str, Any]) -> None:
    data["versions"][0]["effective_to"] = date(2026, 8, 1)


def _same_name(data: dict[str, Any]) -> None:
    data["versions"][1]["version"] = data["versions"][0]["version"]


def _value_in_two_rules(data: dict[str, Any]) -> None:
    data["versions"][0]["rules"][1]["values"].append("software")


def _too_many_points(data: dict[str, Any]) -> None:
    data["versions"][1]["rules"][0]["points"] = 40


def _band_in_two_segments(data: dict[str, Any]) -> None:
    data["versions"][0]["segments"]["smb"].append("51-200")


def _month_of_other_version(data: dict[str, Any]) -> None:
    data["versions"][1]["marketing"]["months"][0]["month"] = "2026-08"


def _missing_win_rate(data: dict[str, Any]) -> None:
    del data["versions"][0]["win_rates"]["C"]


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        pytest.param(
            "sla.yml", _set("versions.1.response_targets.0.priority", "urgent"),
            r"config/sla\.yml, version '2026-09' \(versions\[1\]\), response_targets\[0\]\.priority: Input should be",
            id="unknown-priority",
        ),
        pytest.param(
            "sla.yml", _set("versions.1.untouched_lead.action", "reassign"),
            r"config/sla\.yml, version '2026-09' \(versions\[1\]\), untouched_lead\.action: Input should be "
            r"'recycle_to_marketing' or 'escalate'",
            id="unknown-untouched-action",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.untouched_lead.after_business_days", 0),
            r"version '2025-01' \(versions\[0\]\), untouched_lead\.after_business_days: Input should be greater",
            id="untouched-point-of-zero-days",
        ),
        pytest.param(
            "sla.yml", _drop_priority,
            r"version '2026-09' \(versions\[1\]\), response_targets: .*missing: other",
            id="priority-missing",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.response_targets.2.priority", "tier_a"),
            r"version '2025-01' \(versions\[0\]\), response_targets: .*listed twice: tier_a",
            id="priority-listed-twice",
        ),
        pytest.param(
            "sla.yml", _duplicate_sla_version,
            r"config/sla\.yml, version '2025-01' \(versions\[0\]\), effective_from: 2025-01-01 is also the "
            r"effective_from of version '2026-09'",
            id="duplicate-effective-from",
        ),
        pytest.param(
            "sla.yml", _overlap,
            r"version '2025-01' \(versions\[0\]\), effective_to: 2026-10-01 overlaps version '2026-09'",
            id="overlapping-versions",
        ),
        pytest.param(
            "sla.yml", _gap, r"version '2025-01' \(versions\[0\]\), effective_to: 2026-08-01 leaves a gap",
            id="gap-between-versions",
        ),
        pytest.param("sla.yml", _same_name, r"version '2025-01': version name used twice", id="version-name-twice"),
        pytest.param(
            "sla.yml", _set("versions.0.default_calendar.timezone", "Mars/Olympus"),
            r"version '2025-01' \(versions\[0\]\), default_calendar\.timezone: unknown IANA time zone 'Mars/Olympus'",
            id="unknown-time-zone",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.default_calendar.work_end", 1020),
            r"default_calendar\.work_end: write times as quoted strings",
            id="unquoted-yaml-time",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.default_calendar.work_end", "08:00"),
            r"version '2025-01' \(versions\[0\]\), default_calendar: work_end 08:00:00 must be after work_start",
            id="closing-before-opening",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.marketing.default_targets.mid_market.mql_target", 50),
            r"version '2025-01' \(versions\[0\]\), marketing\.default_targets\.mid_market: mql_target 50 does "
            r"not match its revenue_math, which gives 55",
            id="revenue-math-mismatch",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.marketing.default_targets.midmarket", {"mql_target": 3}),
            r"marketing\.default_targets\.midmarket\.\[key\]: Input should be",
            id="unknown-segment",
        ),
        pytest.param(
            "sla.yml", _band_in_two_segments,
            r"version '2025-01' \(versions\[0\]\), segments: company_size band '51-200' is in both",
            id="band-in-two-segments",
        ),
        pytest.param(
            "sla.yml", _month_of_other_version,
            r"version '2026-09', marketing\.months 2026-08: the month's targets belong to the version in force",
            id="month-outside-its-version",
        ),
        pytest.param(
            "sla.yml", _set("versions.1.outcome_window_days", 0),
            r"version '2026-09' \(versions\[1\]\), outcome_window_days: Input should be greater than 0",
            id="outcome-window-not-positive",
        ),
        pytest.param(
            "sla.yml", _set("versions.0.routing_limit_minutes", 30),
            r"version '2025-01' \(versions\[0\]\), routing_limit_minutes: Extra inputs are not permitted",
            id="misspelt-key",
        ),
        pytest.param(
            "sla.yml", _set("calendar.holiday_countries", ["US", "XX"]),
            r"config/sla\.yml, calendar\.holiday_countries: country 'XX' is not supported",
            id="unsupported-holiday-country",
        ),
        pytest.param(
            "icp.yml", _set("versions.0.rules.0.attribute", "favourite_colour"),
            r"config/icp\.yml, version 'icp-2025\.1' \(versions\[0\]\), rules\[0\]\.attribute: Input should be",
            id="unknown-attribute",
        ),
        pytest.param(
            "icp.yml", _set("versions.0.rules.0.values", ["software", "crypto"]),
            r"version 'icp-2025\.1' \(versions\[0\]\), rules\[0\]: rule 'industry_core': 'crypto' is not a known "
            r"industry value",
            id="unknown-attribute-value",
        ),
        pytest.param(
            "icp.yml", _too_many_points,
            r"version 'icp-2026\.2' \(versions\[1\]\): points sum to 120 .*must sum to 100 at most",
            id="points-above-100",
        ),
        pytest.param(
            "icp.yml", _value_in_two_rules,
            r"version 'icp-2025\.1' \(versions\[0\]\): industry value 'software' is in both rule 'industry_core' "
            r"and rule 'industry_adjacent'",
            id="value-in-two-rules",
        ),
        pytest.param(
            "icp.yml", _set("versions.1.tiers.b_min_points", 80),
            r"version 'icp-2026\.2' \(versions\[1\]\), tiers: b_min_points 80 must be below a_min_points 65",
            id="tier-cutoffs-inverted",
        ),
        pytest.param(
            "icp.yml", _missing_win_rate,
            r"version 'icp-2025\.1' \(versions\[0\]\): win_rates missing for tier\(s\) C",
            id="win-rate-missing",
        ),
        pytest.param(
            "holidays.yml", _set("countries.US.remove.0.name", "Colombus Day"),
            r"config/holidays\.yml, countries\.US\.remove\[0\]\.name: 'Colombus Day' is not a public holiday of US",
            id="misspelt-removed-holiday",
        ),
        pytest.param(
            "holidays.yml", _set("countries.JP", {"add": []}),
            r"config/holidays\.yml, countries: JP not in sla\.yml calendar\.holiday_countries",
            id="holiday-country-not-configured",
        ),
        pytest.param(
            "holidays.yml", _set("countries.GB-XYZ", {"add": []}),
            r"config/holidays\.yml, countries: subdivision 'GB-XYZ' is not known to the holidays library "
            r"\(subdivisions of GB: GB-ENG, GB-NIR, GB-SCT, GB-WLS\)",
            id="unknown-subdivision",
        ),
        pytest.param(
            "holidays.yml", _set("countries.DE-Augsburg", {"add": []}),
            r"config/holidays\.yml, countries: subdivision 'DE-Augsburg' is not known to the holidays library",
            id="library-subdivision-without-iso-code",
        ),
        pytest.param(
            "holidays.yml", _set("countries.gb-eng", {"add": []}),
            r"config/holidays\.yml, countries: 'gb-eng' is neither a country \('US'\) nor a subdivision \('GB-ENG'\)",
            id="lower-case-subdivision",
        ),
        pytest.param(
            "holidays.yml", _set("countries.CH-ZH", {"add": []}),
            r"config/holidays\.yml, countries: CH-ZH not in sla\.yml calendar\.holiday_countries",
            id="subdivision-of-a-country-not-configured",
        ),
        pytest.param(
            "holidays.yml", _set("countries.GB-ENG", {"remove": [{"name": "Saint Andrew's Day"}]}),
            r"config/holidays\.yml, countries\.GB-ENG\.remove\[0\]\.name: \"Saint Andrew's Day\" is not a public "
            r"holiday of GB-ENG in the holidays library",
            id="removed-name-of-another-subdivision",
        ),
        pytest.param(
            "holidays.yml", _set("company_wide.add.0.every_year", "13-01"),
            r"config/holidays\.yml, company_wide\.add\[0\]: day off .* every_year '13-01' is not MM-DD",
            id="bad-month-day",
        ),
    ],
)
def test_invalid_file_fails_naming_the_place(edit_config, file: str, change, message: str) -> None:
    config_dir = edit_config(file, change)
    with pytest.raises(AgreementError, match=message):
        load_agreement(config_dir)


def test_missing_file_is_named(config_copy: Path) -> None:
    (config_copy / "icp.yml").unlink()
    with pytest.raises(AgreementError, match=r"config/icp\.yml: file not found"):
        load_agreement(config_copy)


def test_broken_yaml_is_named(config_copy: Path) -> None:
    (config_copy / "sla.yml").write_text("versions: [\n")
    with pytest.raises(AgreementError, match=re.escape("config/sla.yml: not valid YAML")):
        load_agreement(config_copy)


def test_holidays_file_is_optional(config_copy: Path) -> None:
    (config_copy / "holidays.yml").unlink()
    agreement = load_agreement(config_copy)
    assert agreement.holidays.countries == {}
