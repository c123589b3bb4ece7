"""Working time of a simulated rep: when they can act, and business-time arithmetic.

A rep works Monday to Friday between their local work_start and work_end, not on the public
holidays of their subdivision (the ``holidays`` library: national plus regional days; national
only for a rep without a subdivision) nor the company's days off, not during their absences, and
not after they were deactivated. Local wall-clock hours are turned into UTC day by day, so
daylight-saving changes are right.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from lead_sla.demo.vocabulary import company_days_off


@lru_cache(maxsize=64)
def days_off(country: str, subdivision: str | None, years: tuple[int, ...]) -> frozenset[date]:
    """Public holidays of ``subdivision`` (ISO 3166-2, e.g. 'GB-ENG'; None: ``country``'s national
    ones) plus the company's days off, for ``years``."""
    subdiv = subdivision.split("-", 1)[1] if subdivision else None
    public = holidays_lib.country_holidays(country, subdiv=subdiv, years=list(years))
    extra = [d for year in years for d in company_days_off(country, year)]
    return frozenset([*public.keys(), *extra])


@dataclass(frozen=True)
class Schedule:
    """One version of a rep's working schedule, in force from ``effective_from`` (epoch seconds)."""

    zone: str
    country: str
    work_start: str  # HH:MM local
    work_end: str
    effective_from: int
    subdivision: str | None = None  # ISO 3166-2, e.g. 'GB-ENG'; None: the national holidays only


def working_intervals(
    schedules: Sequence[Schedule],
    first_day: date,
    last_day: date,
    absences: Iterable[tuple[int, int]] = (),
    active_until: int | None = None,
) -> list[tuple[int, int]]:
    """UTC ``[start, end)`` epoch-second intervals in which the rep works, sorted.

    A day's interval belongs to the schedule in force at its start; schedule changes are
    expected outside working hours (the simulation makes them on a Saturday).
    """
    years = tuple(range(first_day.year - 1, last_day.year + 2))
    raw: list[tuple[int, int]] = []
    day = first_day
    while day <= last_day:
        for k, sched in enumerate(schedules):
            zone = ZoneInfo(sched.zone)
            if day.weekday() >= 5 or day in days_off(sched.country, sched.subdivision, years):
                continue
            h1, m1 = map(int, sched.work_start.split(":"))
            h2, m2 = map(int, sched.work_end.split(":"))
            start = int(datetime.combine(day, time(h1, m1), tzinfo=zone).timestamp())
            end = int(datetime.combine(day, time(h2, m2), tzinfo=zone).timestamp())
            until = schedules[k + 1].effective_from if k + 1 < len(schedules) else None
            if start >= sched.effective_from and (until is None or end <= until):
                raw.append((start, end))
        day += timedelta(days=1)
    raw.sort()
    cut = sorted(absences)
    out: list[tuple[int, int]] = []
    for start, end in raw:
        pieces = [(start, end)]
        for a_start, a_end in cut:
            next_pieces = []
            for s, e in pieces:
                if a_end <= s or a_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < a_start:
                    next_pieces.append((s, a_start))
                if a_end < e:
                    next_pieces.append((a_end, e))
            pieces = next_pieces
        for s, e in pieces:
            if active_until is not None:
                e = min(e, active_until)
            if e - s >= 600:  # slivers shorter than ten minutes are not usable working time
                out.append((s, e))
    return out


class WorkCalendar:
    """Business-time arithmetic over a fixed list of working intervals."""

    def __init__(self, intervals: Sequence[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in intervals]
        self.ends = [e for _, e in intervals]
        self.cum: list[int] = []  # working seconds before each interval
        total = 0
        for s, e in intervals:
            self.cum.append(total)
            total += e - s
        self.cum_end = [c + (e - s) for c, s, e in zip(self.cum, self.starts, self.ends)]

    def is_working(self, t: int) -> bool:
        """Whether instant ``t`` is inside a working interval."""
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def next_open(self, t: int) -> int | None:
        """The first working instant at or after ``t``; None if the rep never works again."""
        i = bisect_right(self.ends, t)
        if i >= len(self.starts):
            return None
        return max(t, self.starts[i])

    def add(self, t: int, seconds: float) -> int | None:
        """The instant ``seconds`` of working time after ``t`` (strictly inside an interval).

        Time before the next opening does not count. None if the calendar ends first.
        """
        i = bisect_right(self.ends, t)
        if i >= len(self.starts):
            return None
        s = max(t, self.starts[i])
        target = self.cum[i] + (s - self.starts[i]) + max(0, int(seconds))
        j = bisect_right(self.cum_end, target)
        if j >= len(self.starts):
            return None
        return self.starts[j] + (target - self.cum[j])

    def previous_working_instant(self, t: int, not_before: int) -> int | None:
        """A working instant in ``[not_before, t)`` as late as possible, or None."""
        i = bisect_right(self.starts, t - 1) - 1
        while i >= 0:
            end = min(self.ends[i], t) - 1
            if end >= max(self.starts[i], not_before):
                return end
            if self.ends[i] <= not_before:
                return None
            i -= 1
        return None
