"""A day with no sales activity is a normal day: the night builds, passes its checks and publishes.

The reported failure: `lead-sla run` for a day without handoffs exited 1 because the daily SLA fact
had no row for it and the gate read that as a day not built. Now every rep on the roster has a row
every day, zeros included.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from lead_sla.flows.nightly import nightly
from lead_sla.settings import Settings
from lead_sla.demo import generate
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

END = date(2026, 10, 31)


def days_with_sales_work(landing: Path) -> set[date]:
    """Days (in the demo CRM's local time, the reporting zone) with a change into mql or an activity."""
    busy: set[date] = set()
    for stream, column in (("lifecycle_changes", "changed_at"), ("activities", "occurred_at")):
        for path in (landing / stream).rglob("*.csv"):
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    if stream == "activities" or row.get("to_stage") == "mql":
                        try:
                            busy.add(datetime.fromisoformat(row[column][:19]).date())
                        except (TypeError, ValueError):
                            continue  # the demo's deliberately malformed rows
    return busy


def test_a_day_without_sales_activity_builds_and_publishes(prefect_harness, tmp_path):
    settings = Settings(project_root=PROJECT_ROOT, warehouse_path=tmp_path / "warehouse" / "lead_sla.duckdb",
                        landing_dir=tmp_path / "landing", published_dir=tmp_path / "warehouse" / "published",
                        publish_docs=False)
    generate(settings.landing, leads=60, days=30, seed=3, end_date=END)
    busy = days_with_sales_work(settings.landing)
    quiet = max(d for d in (date(2026, 10, n) for n in range(10, 31)) if d not in busy and d - date.resolution not in busy)

    result = nightly(run_date=quiet, settings=settings)

    assert (result.status, result.as_of_date, result.published) == ("success", quiet, True)
    conn = duckdb.connect(str(settings.published / "lead_sla.duckdb"), read_only=True)
    try:
        handoffs = conn.execute("select count(*) from marts.fct_sales_sla where handoff_date = ?", [quiet]).fetchall()
        day = conn.execute(
            "select count(*), sum(handoffs_received), sum(handoffs_touched_within_sla + handoffs_touched_late) "
            "from marts.fct_sales_sla_daily where activity_date = ?", [quiet]).fetchall()
        funnel = conn.execute("select count(*) from marts.fct_lead_funnel_daily where report_date = ?", [quiet]).fetchall()
    finally:
        conn.close()
    assert handoffs == [(0,)]
    rows, received, touched = day[0]
    assert rows > 0 and (received, touched) == (0, 0)  # the roster's reps, with zeros
    assert funnel[0][0] > 0
