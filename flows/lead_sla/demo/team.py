"""The sales and marketing team: CRM users, their absences, and each rep's working calendar."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lead_sla.demo.timefmt import TimeText, epoch
from lead_sla.demo.vocabulary import (
    FIRST_NAMES, LAST_NAMES, MARKETING_LOCATION, REP_LOCATIONS, REP_SPEEDS, VENDOR_DOMAIN, WORK_HOURS,
)
from lead_sla.demo.workcal import Schedule, WorkCalendar, working_intervals
from lead_sla.demo.writer import ExportWriter

ABSENCE_REASON_WEIGHTS = (("pto", 0.55), ("sick", 0.3), ("training", 0.15))


@dataclass
class AbsenceVersion:
    updated_at: int
    starts_at: int
    ends_at: int
    reason: str


@dataclass
class Absence:
    absence_id: str
    owner_id: str
    versions: list[AbsenceVersion]

    @property
    def final(self) -> AbsenceVersion:
        return self.versions[-1]


@dataclass
class UserVersion:
    updated_at: int
    schedule: Schedule
    active: bool


@dataclass
class User:
    owner_id: str
    name: str
    email: str
    team: str  # sdr, ae, marketing
    versions: list[UserVersion]
    speed: float = 0.0  # typical first-touch delay, business minutes (sales reps)
    active_until: int | None = None
    absences: list[Absence] = field(default_factory=list)
    calendar: WorkCalendar | None = None
    manager_id: str | None = None  # None: the head of sales or of marketing

    def cal(self) -> WorkCalendar:
        assert self.calendar is not None, f"{self.owner_id} has no calendar"
        return self.calendar

    def is_active(self, t: int) -> bool:
        return self.active_until is None or t < self.active_until


@dataclass
class Team:
    users: list[User]
    sdrs: list[User]
    aes: list[User]
    marketing: list[User]
    manager: User  # the sales manager (an AE) every rep reports to; reassigns leads when a rep leaves

    def by_id(self, owner_id: str) -> User:
        for u in self.users:
            if u.owner_id == owner_id:
                return u
        raise KeyError(owner_id)


def team_size(leads: int) -> int:
    """Sales reps for ``leads`` leads: grows mildly with volume, 8 to 60."""
    return min(60, max(8, round(leads / 250)))


def _local_midnight(day: date, zone: str) -> int:
    return int(datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone)).timestamp())


def build_team(leads: int, first_day: date, last_day: date, rng: random.Random) -> Team:
    """The team for the period: SDRs own handoffs, AEs own deals, marketing owns campaigns.

    One SDR moves (time zone, country, subdivision and hours change on a Saturday mid-period) and
    another leaves (deactivated); every rep has a few absences, some edited later. SDRs and AEs
    report to the sales manager (the first AE), marketing to its lead (the first marketer).
    """
    n_sales = team_size(leads)
    n_sdr = math.ceil(n_sales * 0.6)
    n_marketing = 2 + n_sales // 20
    first_ts, end_ts = epoch(first_day), epoch(last_day) + 86400
    span = end_ts - first_ts
    used_names: set[str] = set()
    users: list[User] = []

    def new_name() -> str:
        while True:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name not in used_names:
                used_names.add(name)
                return name

    speeds = list(REP_SPEEDS)
    for i in range(n_sales + n_marketing):
        team = "sdr" if i < n_sdr else "ae" if i < n_sales else "marketing"
        location = REP_LOCATIONS[i % len(REP_LOCATIONS)] if team != "marketing" else MARKETING_LOCATION
        zone, country, subdivision = location
        ws, we = WORK_HOURS[(i // len(REP_LOCATIONS)) % len(WORK_HOURS)] if team != "marketing" else ("09:00", "17:00")
        name = new_name()
        created = first_ts - rng.randint(30, 400) * 86400 + rng.randint(13, 21) * 3600
        sched = Schedule(zone, country, ws, we, effective_from=created, subdivision=subdivision)
        user = User(
            owner_id=f"USR-{i + 1:03d}", name=name,
            email=f"{name.lower().replace(' ', '.')}@{VENDOR_DOMAIN}", team=team,
            versions=[UserVersion(created, sched, True)],
            speed=speeds[(i * 5) % len(speeds)] * rng.uniform(0.85, 1.15) if team != "marketing" else 0.0,
        )
        users.append(user)
    sdrs = [u for u in users if u.team == "sdr"]
    aes = [u for u in users if u.team == "ae"]
    marketing = [u for u in users if u.team == "marketing"]
    for user in sdrs + aes[1:]:
        user.manager_id = aes[0].owner_id
    for user in marketing[1:]:
        user.manager_id = marketing[0].owner_id

    # The mover: an SDR in London relocates to Warsaw and starts earlier, effective on a Saturday.
    mover = sdrs[2]
    move_day = first_day + timedelta(days=int(span / 86400 * 0.4))
    move_day += timedelta(days=(5 - move_day.weekday()) % 7)
    move_at = epoch(move_day) + 12 * 3600
    moved = Schedule("Europe/Warsaw", "PL", "08:00", "16:00", effective_from=move_at, subdivision="PL-14")
    mover.versions.append(UserVersion(move_at, moved, True))

    # The leaver: deactivated at the end of a working day, a little past mid-period.
    leaver = sdrs[4]
    leave_day = first_day + timedelta(days=int(span / 86400 * 0.55))
    leave_day += timedelta(days=(4 - leave_day.weekday()) % 7)  # a Friday
    leaver_sched = leaver.versions[-1].schedule
    h, m = map(int, leaver_sched.work_end.split(":"))
    leave_at = int(datetime.combine(leave_day, time(h, m), tzinfo=ZoneInfo(leaver_sched.zone)).timestamp()) + 1800
    leaver.versions.append(UserVersion(leave_at, leaver_sched, False))
    leaver.active_until = leave_at

    serial = 0
    for user in sdrs + aes:
        for _ in range(rng.choice((1, 2, 2, 3))):
            serial += 1
            user.absences.append(_absence(f"ABS-{serial:05d}", user, first_day, last_day, rng))

    cal_first, cal_last = first_day - timedelta(days=14), last_day + timedelta(days=120)
    for user in sdrs + aes:
        blocked = [(a.final.starts_at, a.final.ends_at) for a in user.absences]
        schedules = [v.schedule for v in user.versions if v.active]
        user.calendar = WorkCalendar(
            working_intervals(schedules, cal_first, cal_last, blocked, user.active_until)
        )
    return Team(users, sdrs, aes, marketing, manager=aes[0])


def _absence(absence_id: str, user: User, first_day: date, last_day: date, rng: random.Random) -> Absence:
    r = rng.random()
    reason = "pto" if r < 0.55 else "sick" if r < 0.85 else "training"
    n_days = {"pto": rng.randint(2, 7), "sick": rng.randint(1, 3), "training": rng.randint(1, 2)}[reason]
    span = (last_day - first_day).days
    start_day = first_day + timedelta(days=rng.randint(-5, max(0, span - 3)))
    zone = user.versions[0].schedule.zone
    for v in user.versions:
        if v.updated_at <= epoch(start_day):
            zone = v.schedule.zone
    starts = _local_midnight(start_day, zone)
    ends = _local_midnight(start_day + timedelta(days=n_days), zone)
    if reason == "sick":
        created = starts + 7 * 3600 + rng.randint(0, 5400)  # called in on the morning
    else:
        created = starts - rng.randint(3 if reason == "pto" else 7, 30) * 86400 + rng.randint(9, 17) * 3600
    versions = [AbsenceVersion(created, starts, ends, reason)]
    if rng.random() < 0.3:
        # Extended: sick leave runs longer, a holiday gets a day or two more.
        extra = rng.randint(1, 2)
        updated = max(created + 3600, ends - 86400 + 8 * 3600) if reason == "sick" else created + rng.randint(1, 3) * 86400
        new_end = _local_midnight(start_day + timedelta(days=n_days + extra), zone)
        versions.append(AbsenceVersion(updated, starts, new_end, reason))
    return Absence(absence_id, user.owner_id, versions)


def emit_team(team: Team, writer: ExportWriter, tt: TimeText, rng: random.Random) -> None:
    """Export users (a full snapshot on the first day, then every change) and absences."""
    for user in team.users:
        for v in user.versions:
            s = v.schedule
            row = (user.owner_id, user.name, user.email, user.team, s.zone, s.country, s.subdivision,
                   s.work_start, s.work_end, "true" if v.active else "false", user.manager_id,
                   tt.crm(v.updated_at, _explicit(rng)))
            if v.updated_at < writer.end_ts:
                writer.add("users", writer.export_day(v.updated_at), row)
    for user in team.sdrs + team.aes:
        for absence in user.absences:
            for v in absence.versions:
                row = (absence.absence_id, absence.owner_id, tt.crm(v.starts_at, _explicit(rng)),
                       tt.crm(v.ends_at, _explicit(rng)), v.reason, tt.crm(v.updated_at, _explicit(rng)))
                writer.emit("user_absences", v.updated_at, row)


def _explicit(rng: random.Random) -> int:
    """Which CRM timestamps carry an explicit offset: about one in twenty (-1: naive)."""
    return rng.randrange(5) if rng.random() < 0.05 else -1
