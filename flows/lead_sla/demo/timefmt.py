"""Timestamp text as the two source systems write it, fast enough for tens of millions of rows.

Instants inside the simulation are integer UTC epoch seconds. The marketing tool writes ISO-8601
with an offset in several equivalent spellings; the CRM writes naive wall-clock time in its
declared zone (America/New_York) and, for a few records, ISO-8601 with an explicit offset.
Every spelling denotes exactly the simulated instant.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np

CRM_ZONE = "America/New_York"
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Marketing spellings of an offset: (seconds east of UTC, suffix). Index = the form code.
MARKETING_OFFSETS: tuple[tuple[int, str], ...] = ((0, "Z"), (0, "+00:00"), (-5 * 3600, "-05:00"), (3600, "+01:00"))
MARKETING_OFFSET_WEIGHTS = (0.55, 0.2, 0.15, 0.1)
# Offsets the CRM uses when it writes an explicit offset (API-created records, integrations).
CRM_EXPLICIT_OFFSETS: tuple[tuple[int, str], ...] = (
    (3600, "+01:00"), (2 * 3600, "+02:00"), (-5 * 3600, "-05:00"), (-4 * 3600, "-04:00"), (0, "+00:00"),
)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def epoch(d: date) -> int:
    """Epoch seconds of midnight UTC starting ``d``."""
    return (d.toordinal() - EPOCH_ORDINAL) * 86400


def day_of(t: int) -> date:
    """The UTC calendar day of instant ``t``."""
    return date.fromordinal(t // 86400 + EPOCH_ORDINAL)


class TimeText:
    """Formats instants for the period ``first_day .. last_day`` (other days work, only slower)."""

    def __init__(self, first_day: date, last_day: date) -> None:
        self._day0 = first_day.toordinal() - EPOCH_ORDINAL
        n_days = last_day.toordinal() - first_day.toordinal() + 1
        self.dates: list[str] = [date.fromordinal(self._day0 + EPOCH_ORDINAL + i).isoformat() for i in range(n_days)]
        self.hms: list[str] = [_hms(s) for s in range(86400)]
        self.hm: list[str] = [self.hms[m * 60][:5] for m in range(1440)]
        # The CRM zone's UTC offset per UTC hour: zone transitions happen on whole UTC hours.
        zone = ZoneInfo(CRM_ZONE)
        self._hour0 = self._day0 * 24
        offsets = []
        for h in range(n_days * 24):
            moment = datetime.fromtimestamp((self._hour0 + h) * 3600, tz=timezone.utc)
            delta = moment.astimezone(zone).utcoffset()
            offsets.append(int(delta.total_seconds()) if delta is not None else 0)
        self._crm_offset_by_hour = offsets
        # Hours whose wall-clock time may be ambiguous: the offset an hour earlier and an hour
        # later differ (a daylight-saving change is near).
        self._near_change = [0 < h < len(offsets) - 1 and offsets[h - 1] != offsets[h + 1] for h in range(len(offsets))]
        self.date_array = np.array(self.dates, dtype=object)
        self.hms_array = np.array(self.hms, dtype=object)

    def date_str(self, day_index: int) -> str:
        """``YYYY-MM-DD`` of the epoch day ``day_index``."""
        i = day_index - self._day0
        if 0 <= i < len(self.dates):
            return self.dates[i]
        return date.fromordinal(day_index + EPOCH_ORDINAL).isoformat()

    def crm_offset(self, t: int) -> int:
        """Seconds east of UTC of the CRM zone at instant ``t``."""
        i = t // 3600 - self._hour0
        if 0 <= i < len(self._crm_offset_by_hour):
            return self._crm_offset_by_hour[i]
        delta = datetime.fromtimestamp(t, tz=timezone.utc).astimezone(ZoneInfo(CRM_ZONE)).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def _with_offset(self, t: int, offset: int, suffix: str) -> str:
        local = t + offset
        return f"{self.date_str(local // 86400)}T{self.hms[local % 86400]}{suffix}"

    def crm(self, t: int, explicit: int = -1) -> str:
        """CRM text of ``t``: naive New York time, or ISO with offset ``CRM_EXPLICIT_OFFSETS[explicit]``.

        A wall-clock time that the autumn daylight-saving change makes ambiguous (01:00-02:00
        happens twice) is always written with its offset, so the instant stays exact.
        """
        if explicit >= 0:
            offset, suffix = CRM_EXPLICIT_OFFSETS[explicit]
            return self._with_offset(t, offset, suffix)
        h = t // 3600 - self._hour0
        if 0 < h < len(self._near_change) - 1:
            offset, near = self._crm_offset_by_hour[h], self._near_change[h]
        else:
            offset, near = self.crm_offset(t), self.crm_offset(t - 3600) != self.crm_offset(t + 3600)
        if near:
            sign = "-" if offset < 0 else "+"
            return self._with_offset(t, offset, f"{sign}{abs(offset) // 3600:02d}:{abs(offset) // 60 % 60:02d}")
        local = t + offset
        i = local // 86400 - self._day0
        day = self.dates[i] if 0 <= i < len(self.dates) else self.date_str(local // 86400)
        return day + " " + self.hms[local % 86400]

    def iso(self, t: int, form: int) -> str:
        """Marketing text of ``t`` in offset spelling ``MARKETING_OFFSETS[form]``."""
        offset, suffix = MARKETING_OFFSETS[form]
        return self._with_offset(t, offset, suffix)

    def iso_columns(self, t: np.ndarray, form: np.ndarray) -> tuple[list[str], list[str], list[str]]:
        """Vectorised ``iso``: (date, time, suffix) text lists to join as ``{date}T{time}{suffix}``."""
        offsets = np.array([o for o, _ in MARKETING_OFFSETS], dtype=np.int64)[form]
        suffixes = np.array([s for _, s in MARKETING_OFFSETS], dtype=object)[form]
        local = t + offsets
        day = local // 86400 - self._day0
        if len(day) and (day.min() < 0 or day.max() >= len(self.dates)):
            dates = [self.date_str(int(d)) for d in (local // 86400).tolist()]
        else:
            dates = self.date_array[day].tolist()
        return dates, self.hms_array[local % 86400].tolist(), suffixes.tolist()
