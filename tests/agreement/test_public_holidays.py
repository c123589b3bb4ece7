"""Public holidays come from the holidays library, corrected by config/holidays.yml: one national
calendar per country and one calendar per subdivision (ISO 3166-2, national plus regional days)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lead_sla.agreement import load_agreement, public_holidays
from lead_sla.agreement.models import HolidaysFile

ISO_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def _days(config_dir: Path, country: str, year: int, subdivision: str | None = None) -> dict[date, str]:
    agreement = load_agreement(config_dir)
    return {
        h.holiday_date: h.holiday_name
        for h in public_holidays([country], [year], agreement.holidays)
        if h.subdivision == subdivision
    }


@pytest.mark.parametrize(
    ("country", "day", "is_day_off", "name_part"),
    [
        pytest.param("US", date(2026, 7, 3), True, "Independence Day", id="library-observed-holiday"),
        pytest.param("US", date(2026, 10, 12), False, None, id="removed-by-name-columbus-day"),
        pytest.param("US", date(2026, 11, 27), True, "Day after Thanksgiving", id="added-on-a-date"),
        pytest.param("US", date(2026, 12, 24), True, "Christmas Eve", id="company-wide-every-year"),
        pytest.param("DE", date(2026, 12, 24), True, "Christmas Eve", id="company-wide-in-every-country"),
        pytest.param("DE", date(2026, 10, 31), True, "Reformation Day", id="country-addition-every-year"),
        pytest.param("PL", date(2026, 1, 6), False, None, id="removed-on-a-date"),
        pytest.param("PL", date(2027, 1, 6), True, "Epiphany", id="date-removal-only-that-year"),
        pytest.param("GB", date(2026, 10, 12), False, None, id="other-countries-untouched"),
    ],
)
def test_overrides_apply(
    repo_config_dir: Path, country: str, day: date, is_day_off: bool, name_part: str | None
) -> None:
    days = _days(repo_config_dir, country, day.year)
    assert (day in days) is is_day_off
    if name_part:
        assert name_part in days[day]


@pytest.mark.parametrize(
    ("subdivision", "day", "name"),
    [
        pytest.param(None, date(2026, 8, 31), None, id="no-august-bank-holiday-in-the-national-calendar"),
        pytest.param("GB-ENG", date(2026, 8, 31), "Late Summer Bank Holiday", id="england-late-august"),
        pytest.param("GB-WLS", date(2026, 8, 31), "Late Summer Bank Holiday", id="wales-late-august"),
        pytest.param("GB-SCT", date(2026, 8, 31), None, id="scotland-works-late-august"),
        pytest.param("GB-SCT", date(2026, 8, 3), "Summer Bank Holiday", id="scotland-early-august"),
        pytest.param("GB-ENG", date(2026, 8, 3), None, id="england-works-early-august"),
        pytest.param("GB-NIR", date(2026, 3, 17), "Saint Patrick's Day", id="northern-ireland-st-patrick"),
        pytest.param("GB-ENG", date(2026, 12, 25), "Christmas Day", id="subdivision-keeps-national-days"),
    ],
)
def test_subdivisions_have_their_regional_days(
    repo_config_dir: Path, subdivision: str | None, day: date, name: str | None
) -> None:
    days = _days(repo_config_dir, "GB", day.year, subdivision)
    assert days.get(day) == name


@pytest.mark.parametrize(
    ("country", "subdivision", "day", "is_day_off", "name_part"),
    [
        pytest.param("GB", "GB-ENG", date(2026, 12, 24), True, "Christmas Eve", id="company-wide-reaches-subdivisions"),
        pytest.param("US", "US-NY", date(2026, 10, 12), False, None, id="country-removal-by-name-reaches-subdivisions"),
        pytest.param("US", "US-CA", date(2026, 11, 27), True, "Day after Thanksgiving", id="country-addition-reaches-subdivisions"),
        pytest.param("DE", "DE-BE", date(2026, 10, 31), True, "Reformation Day", id="country-every-year-addition-reaches-subdivisions"),
        pytest.param("PL", "PL-14", date(2026, 1, 6), False, None, id="country-date-removal-reaches-subdivisions"),
    ],
)
def test_country_overrides_reach_every_subdivision(
    repo_config_dir: Path, country: str, subdivision: str, day: date, is_day_off: bool, name_part: str | None
) -> None:
    days = _days(repo_config_dir, country, day.year, subdivision)
    assert (day in days) is is_day_off
    if name_part:
        assert name_part in days[day]


def test_an_override_keyed_by_a_subdivision_applies_to_that_subdivision_only(edit_config) -> None:
    def change(data: dict) -> None:
        data["countries"]["GB-SCT"] = {"add": [{"date": date(2026, 7, 20), "name": "Glasgow Fair (office closed)"}]}
        data["countries"]["GB-ENG"] = {"remove": [{"name": "Late Summer Bank Holiday", "reason": "sales works"}]}

    config_dir = edit_config("holidays.yml", change)
    assert _days(config_dir, "GB", 2026, "GB-SCT")[date(2026, 7, 20)] == "Glasgow Fair (office closed)"
    assert date(2026, 7, 20) not in _days(config_dir, "GB", 2026, "GB-ENG")
    assert date(2026, 7, 20) not in _days(config_dir, "GB", 2026)
    assert date(2026, 8, 31) not in _days(config_dir, "GB", 2026, "GB-ENG")
    assert _days(config_dir, "GB", 2026, "GB-WLS")[date(2026, 8, 31)] == "Late Summer Bank Holiday"


def test_every_subdivision_of_the_library_gets_a_calendar_written_as_iso_3166_2() -> None:
    rows = public_holidays(["GB", "DE"], [2026], HolidaysFile())
    subdivisions = {(r.country, r.subdivision) for r in rows}
    assert {s for c, s in subdivisions if c == "GB"} == {None, "GB-ENG", "GB-NIR", "GB-SCT", "GB-WLS"}
    german = {s for c, s in subdivisions if c == "DE" and s is not None}
    assert len(german) == 16 and "DE-BE" in german  # the 16 Länder; the library's city 'Augsburg' is no ISO code
    assert all(ISO_SUBDIVISION.match(s) and s.startswith(c + "-") for c, s in subdivisions if s is not None)


def test_without_overrides_the_library_is_used_as_is() -> None:
    days = {h.holiday_date for h in public_holidays(["US"], [2026], HolidaysFile()) if h.subdivision is None}
    assert date(2026, 10, 12) in days
    assert date(2026, 12, 24) not in days


def test_one_row_per_calendar_and_day_in_a_stable_order() -> None:
    rows = public_holidays(["US", "DE", "GB"], [2025, 2026, 2027], HolidaysFile())
    keys = [(r.country, r.subdivision or "", r.holiday_date) for r in rows]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)  # national calendar first, then the subdivisions in code order
    assert rows == public_holidays(["GB", "US", "DE"], [2027, 2025, 2026], HolidaysFile())
