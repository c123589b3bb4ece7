"""Pydantic models of the three agreement files.

- ``sla.yml``: the SLA, a list of versions, each in force from its ``effective_from`` until the
  next version's: marketing's monthly commitment per segment, sales' response
  targets per priority, the attempts rule, the routing limit, the acceptance window and the
  default business calendar for unassigned leads; plus the countries whose public holidays the
  warehouse keeps.
- ``icp.yml``: the ideal customer profile, a list of versions with rules, tier cut-offs and the
  win rates per tier used for the lead-value target.
- ``holidays.yml``: overrides of the public holidays of the ``holidays`` library, per country or
  per subdivision (ISO 3166-2, e.g. ``GB-SCT``).

The models only describe and check the files; ``loader`` turns validation errors into messages
naming the file, the version and the field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Priority = Literal["demo_request", "tier_a", "other"]
PRIORITIES: tuple[str, ...] = ("demo_request", "tier_a", "other")
Segment = Literal["smb", "mid_market", "enterprise", "unknown"]
SizedSegment = Literal["smb", "mid_market", "enterprise"]
Tier = Literal["A", "B", "C"]
IcpAttribute = Literal["industry", "company_size", "annual_revenue", "need", "seniority", "country"]

COMPANY_SIZE_BANDS: tuple[str, ...] = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "industry": (
        "software", "fintech", "healthcare", "manufacturing", "retail",
        "education", "logistics", "media", "government", "nonprofit",
    ),
    "company_size": COMPANY_SIZE_BANDS,
    "annual_revenue": ("<1M", "1M-10M", "10M-50M", "50M-250M", "250M+"),
    "need": ("lead_routing", "sla_reporting", "lead_scoring", "attribution", "other"),
    "seniority": ("c_level", "vp", "director", "manager", "individual"),
}
_ISO2 = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION_CODE = re.compile(r"^([A-Z]{2})-(.+)$")  # loose, so that a wrong code gets the known ones listed
_ISO_SUBDIVISION_PART = re.compile(r"^[A-Z0-9]{1,3}$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")

Name = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    """Every agreement model: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_country(value: str) -> str:
    if not _ISO2.match(value):
        raise ValueError(f"country {value!r} is not an ISO 3166 alpha-2 code such as 'US'")
    return value


def _check_holiday_country(value: str) -> str:
    _check_country(value)
    if value not in holidays_lib.list_supported_countries():
        raise ValueError(f"country {value!r} is not supported by the holidays library")
    return value


@lru_cache(maxsize=None)
def library_subdivisions(country: str) -> tuple[str, ...]:
    """The ISO 3166-2 codes (``'GB-ENG'``) of the subdivisions the holidays library has for ``country``, sorted.

    The library also lists a few subdivisions that are no ISO 3166-2 subdivision (cities and school
    zones such as DE 'Augsburg' or FR 'Zone A'); they are left out, since the warehouse keys every
    calendar by ISO code. A country without subdivisions gives ``()``.
    """
    codes = holidays_lib.list_supported_countries().get(country, [])
    return tuple(sorted(f"{country}-{code}" for code in codes if _ISO_SUBDIVISION_PART.match(code)))


def split_calendar_code(code: str) -> tuple[str, str | None]:
    """``'GB-ENG'`` -> ``('GB', 'ENG')``; ``'GB'`` -> ``('GB', None)``: the library's country and subdiv."""
    country, _, subdiv = code.partition("-")
    return country, subdiv or None


def _check_override_scope(code: str) -> str:
    """A key of ``holidays.yml`` ``countries``: a country, or an ISO 3166-2 subdivision the library knows."""
    if _ISO2.match(code):
        return _check_holiday_country(code)
    match = _SUBDIVISION_CODE.match(code)
    if not match:
        raise ValueError(f"{code!r} is neither a country ('US') nor a subdivision ('GB-ENG')")
    country = _check_holiday_country(match[1])
    known = library_subdivisions(country)
    if code not in known:
        raise ValueError(
            f"subdivision {code!r} is not known to the holidays library "
            f"(subdivisions of {country}: {', '.join(known) or 'none'})"
        )
    return code


def _parse_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:00 as the base-60 integer 1020: refuse it rather than guess.
    if isinstance(value, int):
        raise ValueError("write times as quoted strings such as '09:00' (YAML reads an unquoted 17:00 as a number)")
    return value


# --- sla.yml -----------------------------------------------------------------------------------


class ResponseTarget(_Strict):
    """First touch within ``business_minutes`` for leads of ``priority``."""

    priority: Priority
    business_minutes: int = Field(gt=0, le=10 * 24 * 60)


class AttemptsRule(_Strict):
    """At least ``min_attempts`` outbound attempts within ``window_business_days`` unless reached."""

    min_attempts: int = Field(default=5, gt=0)
    window_business_days: int = Field(default=10, gt=0)


class DefaultCalendar(_Strict):
    """The business calendar of leads without an owner (and of owners lacking a zone or hours)."""

    timezone: str
    country: str
    work_start: time
    work_end: time

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _check_holiday_country(value)

    @field_validator("work_start", "work_end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _parse_time(value)

    @model_validator(mode="after")
    def _hours_in_order(self) -> "DefaultCalendar":
        if self.work_end <= self.work_start:
            raise ValueError(f"work_end {self.work_end} must be after work_start {self.work_start}")
        return self


class RevenueMath(_Strict):
    """Inputs of a derived MQL target, frozen in the version (rates from the trailing months)."""

    revenue_goal: Decimal = Field(gt=0)
    marketing_share: Decimal = Field(gt=0, le=1)
    average_deal_size: Decimal = Field(gt=0)
    lead_to_customer_rate: Decimal = Field(gt=0, le=1)
    basis: str | None = None

    @property
    def derived_mql_target(self) -> int:
        """revenue goal × marketing share ÷ average deal size ÷ lead-to-customer rate, rounded up."""
        exact = self.revenue_goal * self.marketing_share / self.average_deal_size / self.lead_to_customer_rate
        return math.ceil(exact.quantize(Decimal("0.000001")))


class SegmentTarget(_Strict):
    """Marketing's commitment for one segment and month: MQLs and optionally a lead value."""

    mql_target: int = Field(ge=0)
    revenue_math: RevenueMath | None = None
    lead_value_target: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _derived_target_matches(self) -> "SegmentTarget":
        if self.revenue_math is not None and self.revenue_math.derived_mql_target != self.mql_target:
            raise ValueError(
                f"mql_target {self.mql_target} does not match its revenue_math, which gives "
                f"{self.revenue_math.derived_mql_target} (goal × share ÷ deal size ÷ rate, rounded up)"
            )
        return self

    @property
    def target_method(self) -> str:
        return "manual" if self.revenue_math is None else "revenue_math"


class MonthTargets(_Strict):
    """The targets of one month (``YYYY-MM``), overriding the version's default targets."""

    month: date
    targets: dict[Segment, SegmentTarget]

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: Any) -> Any:
        if isinstance(value, date):
            if value.day != 1:
                raise ValueError("a month is written YYYY-MM (or as its first day)")
            return value
        match = _MONTH.match(str(value))
        if not match:
            raise ValueError(f"month {value!r} is not written YYYY-MM")
        return date(int(match[1]), int(match[2]), 1)


class MarketingCommitment(_Strict):
    """Monthly MQL commitment per segment: defaults for every month in force, plus month overrides."""

    default_targets: dict[Segment, SegmentTarget] = Field(default_factory=dict)
    months: list[MonthTargets] = Field(default_factory=list)

    @model_validator(mode="after")
    def _months_unique(self) -> "MarketingCommitment":
        seen: set[date] = set()
        for entry in self.months:
            if entry.month in seen:
                raise ValueError(f"month {entry.month:%Y-%m} is listed twice")
            seen.add(entry.month)
        return self


class LateBand(_Strict):
    """A late first touch falls in the first band whose bound it does not exceed.

    Bounds are business minutes late, or business days late (one business day is the length of
    the owner's working day on the due day, e.g. 480 minutes for 09:00-17:00).
    """

    band: str
    up_to_business_minutes: int | None = Field(default=None, gt=0)
    up_to_business_days: int | None = Field(default=None, gt=0)

    @field_validator("band")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"band {value!r} must be lower_snake_case")
        return value

    @model_validator(mode="after")
    def _one_bound(self) -> "LateBand":
        if (self.up_to_business_minutes is None) == (self.up_to_business_days is None):
            raise ValueError(f"band {self.band!r}: give exactly one of up_to_business_minutes or up_to_business_days")
        return self


def _default_late_bands() -> list[LateBand]:
    return [
        LateBand(band="up_to_60", up_to_business_minutes=60),
        LateBand(band="up_to_240", up_to_business_minutes=240),
        LateBand(band="up_to_1_business_day", up_to_business_days=1),
    ]


class LateSeverity(_Strict):
    """How late a late first touch was: ``bands`` in order, then ``beyond`` for anything later."""

    bands: list[LateBand] = Field(default_factory=_default_late_bands, min_length=1)
    beyond: str = "over_1_business_day"

    @model_validator(mode="after")
    def _distinct(self) -> "LateSeverity":
        names = [b.band for b in self.bands] + [self.beyond]
        if len(set(names)) != len(names):
            raise ValueError(f"late severity band names must differ: {', '.join(names)}")
        if not _SLUG.match(self.beyond):
            raise ValueError(f"band {self.beyond!r} must be lower_snake_case")
        return self


class PriorityListRule(_Strict):
    """How the morning lists order open deadlines.

    Deadlines that can still be met come first (soonest first), then deadlines missed within the
    last ``recently_overdue_business_days`` business days of the owner's calendar, then every other
    lead by score; deadlines missed longer ago are ``stale``: listed last, and shown to the manager.
    """

    recently_overdue_business_days: int = Field(default=2, ge=0, le=60)


class UntouchedLeadRule(_Strict):
    """When an untouched lead leaves its rep's list: once its first-touch deadline has been missed by
    ``after_business_days`` business days of the rep's calendar (a business day is the rep's working
    day on the due day), the lead is ``recycle_to_marketing`` (back to nurture) or ``escalate`` (to
    the manager). The report shows those leads on the manager's view."""

    after_business_days: int = Field(default=5, ge=1, le=60)
    action: Literal["recycle_to_marketing", "escalate"] = "recycle_to_marketing"


class SlaVersion(_Strict):
    """One version of the SLA, in force from ``effective_from`` until the next version's."""

    version: Name
    effective_from: date
    effective_to: date | None = None
    description: str | None = None
    routing_limit_business_minutes: int = Field(gt=0)
    response_targets: list[ResponseTarget]
    attempts: AttemptsRule = Field(default_factory=AttemptsRule)
    acceptance_window_days: int = Field(default=30, gt=0)
    # Follow-up evidence: a handoff's outcome (sql, opportunity, won) counts within this many days
    # of the handoff, and a month's handoffs are judged once the window of its last day has closed.
    outcome_window_days: int = Field(default=60, gt=0, le=730)
    default_calendar: DefaultCalendar
    segments: dict[SizedSegment, list[str]]
    marketing: MarketingCommitment = Field(default_factory=MarketingCommitment)
    late_severity: LateSeverity = Field(default_factory=LateSeverity)
    priority_list: PriorityListRule = Field(default_factory=PriorityListRule)
    untouched_lead: UntouchedLeadRule = Field(default_factory=UntouchedLeadRule)

    @field_validator("response_targets")
    @classmethod
    def _every_priority_once(cls, targets: list[ResponseTarget]) -> list[ResponseTarget]:
        listed = [t.priority for t in targets]
        duplicated = sorted({p for p in listed if listed.count(p) > 1})
        missing = [p for p in PRIORITIES if p not in listed]
        if duplicated or missing:
            raise ValueError(
                "every priority (demo_request, tier_a, other) must be listed exactly once"
                + (f"; listed twice: {', '.join(duplicated)}" if duplicated else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
        if listed[-1] != "other":
            raise ValueError("'other' is the catch-all priority and must be checked last")
        return targets

    @field_validator("segments")
    @classmethod
    def _every_band_once(cls, segments: dict[str, list[str]]) -> dict[str, list[str]]:
        owner: dict[str, str] = {}
        for segment, bands in segments.items():
            for band in bands:
                if band not in COMPANY_SIZE_BANDS:
                    raise ValueError(
                        f"segment {segment!r}: unknown company_size band {band!r}; "
                        f"known bands: {', '.join(COMPANY_SIZE_BANDS)}"
                    )
                if band in owner:
                    raise ValueError(f"company_size band {band!r} is in both {owner[band]!r} and {segment!r}")
                owner[band] = segment
        missing = [b for b in COMPANY_SIZE_BANDS if b not in owner]
        if missing:
            raise ValueError(f"company_size bands without a segment: {', '.join(missing)}")
        return segments

    @model_validator(mode="after")
    def _dates(self) -> "SlaVersion":
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} must be after effective_from {self.effective_from}")
        return self

    def priority_rank(self, priority: str) -> int:
        return 1 + [t.priority for t in self.response_targets].index(priority)


class CalendarSettings(_Strict):
    """Which countries' public holidays the warehouse keeps (owners' countries and the default)."""

    holiday_countries: list[str] = Field(min_length=1)

    @field_validator("holiday_countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        for value in values:
            _check_holiday_country(value)
        if len(set(values)) != len(values):
            raise ValueError("a country is listed twice")
        return values


class SlaFile(_Strict):
    """``config/sla.yml``."""

    calendar: CalendarSettings
    versions: list[SlaVersion] = Field(min_length=1)

    @model_validator(mode="after")
    def _calendar_covers_defaults(self) -> "SlaFile":
        for v in self.versions:
            if v.default_calendar.country not in self.calendar.holiday_countries:
                raise ValueError(
                    f"version {v.version!r}: default_calendar.country {v.default_calendar.country!r} "
                    "is not in calendar.holiday_countries"
                )
        return self


# --- icp.yml -----------------------------------------------------------------------------------


class IcpRule(_Strict):
    """A rule matches when the lead's ``attribute`` equals one of ``values``; it adds ``points``."""

    id: str
    attribute: IcpAttribute
    values: list[str] = Field(min_length=1)
    points: int = Field(gt=0, le=100)
    label: str = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"rule id {value!r} must be lower_snake_case")
        return value

    @model_validator(mode="after")
    def _values_in_vocabulary(self) -> "IcpRule":
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"rule {self.id!r}: a value is listed twice")
        for value in self.values:
            if self.attribute == "country":
                _check_country(value)
            elif value not in VOCABULARIES[self.attribute]:
                raise ValueError(
                    f"rule {self.id!r}: {value!r} is not a known {self.attribute} value; "
                    f"known values: {', '.join(VOCABULARIES[self.attribute])}"
                )
        return self


class TierCutoffs(_Strict):
    """Tier A at ``a_min_points`` or more, B at ``b_min_points`` or more, else C."""

    a_min_points: int = Field(gt=0, le=100)
    b_min_points: int = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "TierCutoffs":
        if self.b_min_points >= self.a_min_points:
            raise ValueError(f"b_min_points {self.b_min_points} must be below a_min_points {self.a_min_points}")
        return self


class WinRate(_Strict):
    """Expected revenue of an MQL of a tier: ``win_probability`` × ``average_deal_size``."""

    win_probability: Decimal = Field(ge=0, le=1)
    average_deal_size: Decimal = Field(gt=0)


class IcpVersion(_Strict):
    """One version of the ideal customer profile."""

    version: Name
    effective_from: date
    effective_to: date | None = None
    description: str | None = None
    tiers: TierCutoffs
    rules: list[IcpRule] = Field(min_length=1)
    win_rates: dict[Tier, WinRate]

    @model_validator(mode="after")
    def _consistent(self) -> "IcpVersion":
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} must be after effective_from {self.effective_from}")
        ids = [r.id for r in self.rules]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"rule id listed twice: {', '.join(duplicated)}")
        # A value may match only one rule per attribute, so the most a lead can score is the sum,
        # over attributes, of the best rule of each: that must not exceed 100.
        claimed: dict[tuple[str, str], str] = {}
        best: dict[str, int] = {}
        for rule in self.rules:
            for value in rule.values:
                if (rule.attribute, value) in claimed:
                    raise ValueError(
                        f"{rule.attribute} value {value!r} is in both rule "
                        f"{claimed[(rule.attribute, value)]!r} and rule {rule.id!r}"
                    )
                claimed[(rule.attribute, value)] = rule.id
            best[rule.attribute] = max(best.get(rule.attribute, 0), rule.points)
        if sum(best.values()) > 100:
            raise ValueError(
                f"points sum to {sum(best.values())} for the best-fitting lead (best rule per attribute: "
                + ", ".join(f"{a} {p}" for a, p in best.items())
                + "); they must sum to 100 at most"
            )
        missing = [t for t in ("A", "B", "C") if t not in self.win_rates]
        if missing:
            raise ValueError(f"win_rates missing for tier(s) {', '.join(missing)}")
        return self

    @property
    def max_points(self) -> int:
        best: dict[str, int] = {}
        for rule in self.rules:
            best[rule.attribute] = max(best.get(rule.attribute, 0), rule.points)
        return sum(best.values())


class IcpFile(_Strict):
    """``config/icp.yml``."""

    versions: list[IcpVersion] = Field(min_length=1)


# --- holidays.yml ------------------------------------------------------------------------------


class HolidayAddition(_Strict):
    """An extra day off: a single ``date``, or ``every_year`` on a month-day (``MM-DD``)."""

    name: str = Field(min_length=1)
    date: dt.date | None = None
    every_year: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "HolidayAddition":
        if (self.date is None) == (self.every_year is None):
            raise ValueError(f"day off {self.name!r}: give exactly one of date or every_year")
        if self.every_year is not None:
            match = _MONTH_DAY.match(self.every_year)
            try:
                assert match
                date(2024, int(match[1]), int(match[2]))  # a leap year accepts 02-29
            except (AssertionError, ValueError):
                raise ValueError(f"day off {self.name!r}: every_year {self.every_year!r} is not MM-DD") from None
        return self

    def dates(self, years: list[int]) -> list[date]:
        if self.date is not None:
            return [self.date] if self.date.year in years else []
        assert self.every_year is not None
        month, day = int(self.every_year[:2]), int(self.every_year[3:])
        out = []
        for year in years:
            try:
                out.append(date(year, month, day))
            except ValueError:  # 02-29 in a common year
                pass
        return out


class HolidayRemoval(_Strict):
    """A public holiday that is a working day: on one ``date``, or by ``name`` in every year."""

    date: dt.date | None = None
    name: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "HolidayRemoval":
        if (self.date is None) == (self.name is None):
            raise ValueError("a removal gives exactly one of date or name")
        return self


class CountryOverrides(_Strict):
    """Days added to or removed from one country's public holidays (and all its subdivisions'), or
    from one subdivision's."""

    add: list[HolidayAddition] = Field(default_factory=list)
    remove: list[HolidayRemoval] = Field(default_factory=list)


class CompanyWideOverrides(_Strict):
    """Days off for everybody, in every configured country."""

    add: list[HolidayAddition] = Field(default_factory=list)


class HolidaysFile(_Strict):
    """``config/holidays.yml``: ``countries`` is keyed by country (``GB``) or subdivision (``GB-SCT``)."""

    company_wide: CompanyWideOverrides = Field(default_factory=CompanyWideOverrides)
    countries: dict[str, CountryOverrides] = Field(default_factory=dict)

    @field_validator("countries")
    @classmethod
    def _country_codes(cls, value: dict[str, CountryOverrides]) -> dict[str, CountryOverrides]:
        for code in value:
            _check_override_scope(code)
        return value
