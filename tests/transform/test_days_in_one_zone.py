"""Days are compared in the reporting zone: events near midnight count on their local day.

The reported failure: on the Olist export, 70 of 842 won deals were missing from
`fct_lead_funnel_daily`, because a version's `known_on` was the UTC date of its time while the
funnel's days are days of the reporting zone: a deal won in the local evening west of UTC was
"known" on the next UTC day, after the build day, and left out.

Here deals are won, and leads become mqls, minutes before and after midnight of the reporting zone,
written in source zones east and west of UTC, in files without an export day folder (so `known_on`
comes from the event's time). Each reporting zone, east and west of UTC, must count every one of
them on its own local day, the build day's late evening included.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.build import write_agreement
from lead_sla.transform.dbt import build
from tests.support.landing import land_exports

pytestmark = pytest.mark.slow  # runs dbt

DAY = date(2026, 1, 15)  # the build day (a Thursday)
BEFORE = DAY - timedelta(days=1)

MAPPING = """\
name: near_midnight
description: our column names, timestamps with offsets, no export day folders
loads:
  - {stream: contacts, files: contacts.csv}
  - {stream: lifecycle_changes, files: lifecycle_changes.csv}
  - {stream: deals, files: deals.csv}
"""

# (name, local day, local wall-clock time in the reporting zone): two events on each side of each
# of the two midnights around BEFORE and DAY, the last one in the build day's final minutes.
EVENTS = [
    ("early-before", BEFORE, "00:10"),
    ("late-before", BEFORE, "23:50"),
    ("early-day", DAY, "00:10"),
    ("late-day", DAY, "23:50"),
]
# Source zones the export writes its offsets in: west and east of UTC, alternating.
SOURCE_OFFSETS = [timedelta(hours=-5), timedelta(hours=5, minutes=30)]


def _stamp(local_day: date, clock: str, reporting_zone: str, offset: timedelta) -> str:
    """The instant of ``clock`` on ``local_day`` in the reporting zone, written with ``offset``."""
    hour, minute = map(int, clock.split(":"))
    instant = datetime(local_day.year, local_day.month, local_day.day, hour, minute, tzinfo=ZoneInfo(reporting_zone))
    return instant.astimezone(timezone(offset)).isoformat()


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _exports(landing: Path, reporting_zone: str) -> None:
    landing.mkdir(parents=True)
    created = f"{DAY - timedelta(days=20)}T12:00:00+00:00"
    contacts, changes, deals = [], [], []
    for number, (name, local_day, clock) in enumerate(EVENTS):
        at = _stamp(local_day, clock, reporting_zone, SOURCE_OFFSETS[number % 2])
        contact = f"CON-{name}"
        contacts.append({"contact_id": contact, "email": f"{name}@example.com", "lifecycle_stage": "lead",
                         "source": "organic", "created_at": created, "is_deleted": "false", "updated_at": created})
        changes.append({"change_id": f"LC-{name}", "contact_id": contact, "from_stage": "lead", "to_stage": "mql",
                        "changed_at": at, "changed_by": "router"})
        deals.append({"deal_id": f"DEAL-{name}", "contact_id": contact, "stage": "closed_won", "amount": "1000",
                      "currency": "USD", "created_at": created, "closed_at": at, "is_won": "true",
                      "is_deleted": "false", "updated_at": at})
    _write(landing / "contacts.csv", contacts)
    _write(landing / "lifecycle_changes.csv", changes)
    _write(landing / "deals.csv", deals)


@pytest.mark.parametrize("reporting_zone", [
    pytest.param("America/Los_Angeles", id="reporting-zone-west-of-utc"),
    pytest.param("Asia/Tokyo", id="reporting-zone-east-of-utc"),
])
def test_won_deals_and_mqls_near_midnight_count_on_their_reporting_zone_day(tmp_path, settings, reporting_zone):
    mapping = tmp_path / "near_midnight.yml"
    mapping.write_text(MAPPING)
    zoned: Settings = settings.model_copy(update={"reporting_timezone": reporting_zone, "source_mapping": mapping})
    _exports(zoned.landing, reporting_zone)
    land_exports(zoned, DAY)
    write_agreement(zoned, DAY)

    build(zoned, RunDay(DAY, zoned.reporting_timezone), select=["+fct_lead_funnel_daily"], data_tests=False)  # what the models hold

    conn = duckdb.connect(str(zoned.warehouse), read_only=True)
    try:
        counted = conn.execute(
            "select report_date, sum(won_deals), sum(mqls) from marts.fct_lead_funnel_daily "
            "where won_deals > 0 or mqls > 0 group by report_date order by report_date"
        ).fetchall()
    finally:
        conn.close()
    assert counted == [(BEFORE, 2, 2), (DAY, 2, 2)]
