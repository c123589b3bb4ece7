"""Public holidays come from the holidays library, corrected by config/holidays.yml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lead_sla.agreement import load_agreement, public_holidays
from lead_sla.agreement.models import HolidaysFile


def _days(config_dir: Path, country: str, year: int) -> dict[date, str]:
    agreement = load_agreement(config_dir)
    return {
        h.holiday_date: h.holiday_name
        for h in public_holidays([country], [year], agreement.holidays)
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


def test_without_overrides_the_library_is_used_as_is() -> None:
    days = {h.holiday_date for h in public_holidays(["US"], [2026], HolidaysFile())}
    assert date(2026, 10, 12) in days
    assert date(2026, 12, 24) not in days


def test_one_row_per_country_and_day() -> None:
    rows = public_holidays(["US", "DE", "GB"], [2025, 2026, 2027], HolidaysFile())
    keys = [(r.country, r.holiday_date) for r in rows]
    assert len(keys) == len(set(keys))
