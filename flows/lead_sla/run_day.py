"""The run day: the day a run builds and the instants that bound it, worked out once.

A run for day D builds everything *as of D*: events at or before the end of D in the reporting
time zone, and for mutable records the latest version known then. "The end of D" is the next local
midnight, turned into UTC, so a daylight-saving change is right: in ``America/New_York`` the end of
2026-03-08 (the day clocks go forward, 23 hours long) is 2026-03-09 04:00 UTC, the end of 2026-11-01
(25 hours) is 2026-11-02 05:00 UTC.

A run builds one :class:`RunDay` and hands it on: to dbt as vars (:meth:`RunDay.dbt_vars`, read by
``dbt_project/macros/as_of.sql``), to the data-quality suites as built-in parameters
(:meth:`RunDay.suite_params`) and to scoring. Nothing else works the instant out again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")
# The text form of an instant in dbt vars and suite SQL: naive UTC, to the second.
INSTANT_FORMAT = "%Y-%m-%d %H:%M:%S"


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, as naive UTC.

    Where a zone skips midnight (clocks jump from 00:00 to 01:00), the day starts at the jump.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class RunDay:
    """The day a run builds (``run_date``) in the reporting zone, and its bounds as naive UTC instants.

    ``day_start_utc`` is the first instant of the day and ``as_of_utc`` its end, the next local
    midnight: what happened before ``as_of_utc`` is part of the day's build (the instant itself is
    the first of the next day).
    """

    run_date: date
    timezone: str
    day_start_utc: datetime = field(init=False)
    as_of_utc: datetime = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.run_date, date) or isinstance(self.run_date, datetime):
            raise TypeError(f"RunDay: run_date must be a date, got {self.run_date!r}")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"RunDay: {self.timezone!r} is not an IANA time zone such as 'Europe/Berlin'") from None
        object.__setattr__(self, "day_start_utc", _local_midnight_utc(self.run_date, zone))
        object.__setattr__(self, "as_of_utc", _local_midnight_utc(self.run_date + timedelta(days=1), zone))

    @property
    def hours(self) -> float:
        """How long the day is on the wall clock: 24, or 23 and 25 on daylight-saving days."""
        return (self.as_of_utc - self.day_start_utc).total_seconds() / 3600

    def dbt_vars(self) -> dict[str, str]:
        """The vars ``dbt build`` runs with (``macros/as_of.sql`` reads them)."""
        return {
            "run_date": self.run_date.isoformat(),
            "reporting_timezone": self.timezone,
            "as_of_utc": self.as_of_utc.strftime(INSTANT_FORMAT),
        }

    def suite_params(self) -> dict[str, date | datetime | str]:
        """The built-in parameters of the data-quality suites, besides the run id and validation time:
        ``${run_date}``, ``${reporting_timezone}``, ``${day_start_utc}`` and ``${as_of_utc}``."""
        return {
            "run_date": self.run_date,
            "reporting_timezone": self.timezone,
            "day_start_utc": self.day_start_utc,
            "as_of_utc": self.as_of_utc,
        }
