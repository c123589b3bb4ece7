"""How numbers, days and times read in the report (text for people, raw values for machines)."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

DASH = "—"


def number(value: object) -> float | None:
    """A finite float, or None for null, NaN and non-numbers (DuckDB decimals become floats)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        result = float(value)
        return result if math.isfinite(result) else None
    return None


def raw(value: object) -> str:
    """The machine-readable form written to ``data-value``: exact integers, floats to 12 digits, '' for none."""
    if isinstance(value, str):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    num = number(value)
    if num is None:
        return ""
    if num == int(num) and abs(num) < 1e15:
        return str(int(num))
    return format(num, ".12g")


def integer(value: object) -> str:
    """``28,300``; a dash when unknown."""
    num = number(value)
    return DASH if num is None else f"{round(num):,}"


def decimal(value: object, places: int = 1) -> str:
    """``12.3``; a dash when unknown."""
    num = number(value)
    if num is None:
        return DASH
    text = f"{num:,.{places}f}"
    return "0" if _is_zero(text) else text


def percent(value: object, places: int = 0) -> str:
    """A ratio as a percentage, ``0.3091`` → ``31%``; small non-zero ratios keep one decimal."""
    num = number(value)
    if num is None:
        return DASH
    if places == 0 and 0 < abs(num) < 0.095:
        places = 1
    text = f"{num * 100:,.{places}f}%"
    return "0%" if _is_zero(text.rstrip("%")) else text


def money(value: object, currency: str | None) -> str:
    """``76,500 USD``; the currency is left off when unknown."""
    num = number(value)
    if num is None:
        return DASH
    return f"{num:,.0f} {currency}" if currency else f"{num:,.0f}"


def minutes(value: object) -> str:
    """A span of (business) minutes: ``45 min``, ``3 h 05 min``."""
    num = number(value)
    if num is None:
        return DASH
    total = round(num)
    if total < 60:
        return f"{total} min"
    hours, mins = divmod(total, 60)
    return f"{hours:,} h" if mins == 0 else f"{hours:,} h {mins:02d} min"


def business_minutes(value: object, day_minutes: int = 480) -> str:
    """A span of business minutes: ``40 business min``, ``3.5 business h``, ``27 business days``
    (a business day taken as ``day_minutes``)."""
    num = number(value)
    if num is None:
        return DASH
    size = abs(num)
    if size < 59.5:
        return f"{size:.0f} business min"
    if size <= day_minutes:
        return f"{size / 60:.1f}".rstrip("0").rstrip(".") + " business h"
    days = size / day_minutes
    return (f"{days:.1f}".rstrip("0").rstrip(".") if days < 10 else f"{days:.0f}") + " business days"


def minutes_compact(value: object) -> str:
    """A span of minutes for a headline: ``45 min``, ``2.2 h``."""
    num = number(value)
    if num is None:
        return DASH
    return f"{round(num)} min" if num < 59.5 else f"{num / 60:,.1f} h"


def axis_percent(value: float) -> str:
    """An axis tick as a percentage without noise: ``0%``, ``2.5%``, ``40%``."""
    return f"{value * 100:.4g}%"


def short_day(day: date) -> str:
    """``Oct 31``."""
    return f"{day:%b} {day.day}"


def long_day(day: date) -> str:
    """``Saturday 31 October 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def local_time(instant: datetime | None, zone: ZoneInfo | None, reference: date | None = None) -> str:
    """A naive UTC instant as wall-clock time in ``zone`` (UTC when None): ``Mon Nov 2, 10:00``.

    The year is shown only when it differs from the ``reference`` day's year.
    """
    if instant is None:
        return DASH
    moment = instant.replace(tzinfo=ZoneInfo("UTC"))
    if zone is not None:
        moment = moment.astimezone(zone)
    text = f"{moment:%a %b} {moment.day}"
    if reference is not None and moment.year != reference.year:
        text += f" {moment.year}"
    return f"{text}, {moment:%H:%M}"


def _is_zero(text: str) -> bool:
    return text.lstrip("-").replace("0", "").replace(".", "").replace(",", "") == ""
