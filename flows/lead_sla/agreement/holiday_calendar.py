"""Public holidays per country and per subdivision: the ``holidays`` library plus ``holidays.yml``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import holidays as holidays_lib

from lead_sla.agreement.models import CountryOverrides, HolidaysFile, library_subdivisions, split_calendar_code


@dataclass(frozen=True)
class PublicHoliday:
    """A day off of one calendar; several holidays on one day share a row, names joined by '; '.

    ``subdivision`` is the ISO 3166-2 code of a region (``GB-ENG``, ``US-CA``), whose calendar holds
    the national days the library keeps there plus the region's own; None is the national calendar.
    """

    country: str
    subdivision: str | None
    holiday_date: date
    holiday_name: str


def public_holidays(countries: Iterable[str], years: Iterable[int], overrides: HolidaysFile) -> list[PublicHoliday]:
    """Every day off of ``countries`` in ``years``: each country's national calendar and the calendar of
    each of its subdivisions (``library_subdivisions``), sorted by country, subdivision (the national
    calendar first) and date. One row per calendar and day.

    A calendar is built in this order: the library's holidays (English names), minus the country's
    removals, minus the subdivision's removals (a date, or a name in every year), plus the company-wide
    days off, plus the country's additions, plus the subdivision's additions. So an override of a
    country reaches all its subdivisions. Removal by name drops that name only; a day whose names are
    all removed is a working day.
    """
    year_list = sorted(set(years))
    out: list[PublicHoliday] = []
    for country in sorted(set(countries)):
        for subdivision in (None, *library_subdivisions(country)):
            names = _calendar(country, subdivision, year_list, overrides)
            out.extend(
                PublicHoliday(country, subdivision, day, "; ".join(names[day])) for day in sorted(names)
            )
    return out


def _calendar(country: str, subdivision: str | None, years: list[int], overrides: HolidaysFile) -> dict[date, list[str]]:
    """Day -> holiday names of one calendar (see ``public_holidays`` for the order of the overrides)."""
    names: dict[date, list[str]] = {}
    if years:
        subdiv = split_calendar_code(subdivision)[1] if subdivision else None
        library = holidays_lib.country_holidays(country, subdiv=subdiv, years=years, language="en_US")
        for day in sorted(library):
            names[day] = list(library.get_list(day))
    codes = (country,) if subdivision is None else (country, subdivision)
    applicable = [overrides.countries[code] for code in codes if code in overrides.countries]
    for scope in applicable:
        _remove(names, scope)
    additions = list(overrides.company_wide.add)
    for scope in applicable:
        additions += scope.add
    for addition in additions:
        for day in addition.dates(years):
            if addition.name not in names.setdefault(day, []):
                names[day].append(addition.name)
    return names


def _remove(names: dict[date, list[str]], scope: CountryOverrides) -> None:
    for removal in scope.remove:
        if removal.date is not None:
            names.pop(removal.date, None)
        else:
            for day in list(names):
                names[day] = [n for n in names[day] if n != removal.name]
                if not names[day]:
                    del names[day]
