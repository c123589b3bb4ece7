"""Quarantine in the nightly run: counted per stream in the run's result, judged by the gate.

A night whose extraction sets aside a few malformed rows (the demo's) passes and says how many per
stream; a night whose contacts export is mostly unreadable stops before scoring and publishing on
the quarantine share, judged on that night's batches only, and readers keep the last good day.
"""

from __future__ import annotations

import csv
from datetime import date

import duckdb
import pytest

from lead_sla.flows.nightly import nightly
from lead_sla.publish.publisher import read_manifest
from lead_sla.quality.outcomes import DataQualityError
from lead_sla.demo import generate

pytestmark = pytest.mark.slow

GOOD_DAY = date(2026, 10, 30)
BAD_DAY = date(2026, 10, 31)


def _quarantined_per_stream(settings) -> dict[str, int]:
    conn = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return dict(conn.execute("select stream, count(*) from quarantine.rows group by 1").fetchall())
    finally:
        conn.close()


def _break_the_contacts_export(settings, day: date, rows: int) -> None:
    """An extra contacts file for ``day`` whose e-mails are all unreadable."""
    template = next((settings.landing / "contacts").glob("*/*.csv"))
    with open(template, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, first = reader.fieldnames, next(reader)
    folder = settings.landing / "contacts" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "part-99999.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for i in range(rows):
            writer.writerow({**first, "contact_id": f"CON-BROKEN-{i}", "email": f"broken {i} at nowhere",
                             "updated_at": f"{day} 09:00:00"})


def test_a_night_counts_quarantine_per_stream_and_stops_when_a_stream_is_mostly_quarantined(prefect_harness, settings):
    # This small demo's five malformed rows are up to 3% of its smallest streams: above the default
    # warning share (1%), below the one set here; the critical share stays the default (10%).
    settings = settings.model_copy(update={"quarantine_warning_share": 0.05})
    generate(settings.landing, leads=60, days=30, seed=3, end_date=BAD_DAY)

    good = nightly(run_date=GOOD_DAY, settings=settings)
    assert (good.status, good.published) == ("success", True)
    in_quarantine = _quarantined_per_stream(settings)
    assert sum(in_quarantine.values()) > 0, "the demo writes a few malformed rows"
    assert {s: n for s, n in good.rows_quarantined.items() if n} == in_quarantine
    assert all(good.rows_read[s] >= n for s, n in in_quarantine.items())
    conn = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        judged = conn.execute(
            "select expectation, severity, success from dq.validation_results "
            "where run_id = ? and suite = 'quarantine.rows' order by 1", [good.run_id]).fetchall()
    finally:
        conn.close()
    assert judged == [("quarantined_share_below_critical_bound", "critical", True),
                      ("quarantined_share_below_warning_bound", "warning", True)]

    _break_the_contacts_export(settings, BAD_DAY, rows=40)
    with pytest.raises(DataQualityError) as failure:
        nightly(run_date=BAD_DAY, settings=settings)
    message = str(failure.value)
    assert "quarantined_share_below_critical_bound" in message and '"stream": "contacts"' in message
    assert "activities" not in message.split("quarantined_share_below_critical_bound", 1)[1].split("\n- ", 1)[0], \
        "the earlier nights' malformed rows are not judged again"
    assert read_manifest(settings.published_dir)["run_date"] == GOOD_DAY.isoformat()
    assert _quarantined_per_stream(settings)["contacts"] == in_quarantine.get("contacts", 0) + 40
