"""Public holidays per country: the ``holidays`` library plus the overrides of ``holidays.yml``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import holidays as holidays_lib

from lead_sla.agreement.models import HolidaysFile


@dataclass(frozen=True, order=True)
class PublicHoliday:
    """A day off in a country; several holidays on one day share a row, names joined by '; '."""

    country: str
    holiday_date: date
    holiday_name: str


def public_holidays(countries: Iterable[str], years: Iterable[int], overrides: HolidaysFile) -> list[PublicHoliday]:
    """Every day off of ``countries`` in ``years``, sorted by country and date.

    Order of application: the library's national holidays (English names), minus the country's
    removals (a date, or a name in every year), plus the company-wide days off, plus the country's
    additions. Removal by name drops that name only; a day whose names are all removed is a working day.
    """
    year_list = sorted(set(years))
    out: list[PublicHoliday] = []
    for country in sorted(set(countries)):
        names: dict[date, list[str]] = {}
        if year_list:
            library = holidays_lib.country_holidays(country, years=year_list, language="en_US")
            for day in sorted(library):
                names[day] = list(library.get_list(day))
        country_overrides = overrides.countries.get(country)
        if country_overrides is not None:
            for removal in country_overrides.remove:
                if removal.date is not None:
                    names.pop(removal.date, None)
                else:
                    for day in list(names):
                        names[day] = [n for n in names[day] if n != removal.name]
                        if not names[day]:
                            del names[day]
        additions = list(overrides.company_wide.add)
        if country_overrides is not None:
            additions += country_overrides.add
        for addition in additions:
            for day in addition.dates(year_list):
                if addition.name not in names.setdefault(day, []):
                    names[day].append(addition.name)
        out.extend(PublicHoliday(country, day, "; ".join(day_names)) for day, day_names in names.items())
    return sorted(out)
