"""Importing someone else's history: the Olist marketing funnel, with its shipped mapping, end to end.

Olist's leads are from 2017-06-14 to 2018-05-31 and its won deals to 2018-11-14, years before the
shipped agreement's first version (2025). With an agreement that starts too late the run stops
before building, naming the first day of the first handoff's month; after `lead-sla agreement init`
for that day, a backfill on a fresh warehouse exits 0 and the published funnel counts all 842 won
deals. It has four streams (contacts, lifecycle changes, deals, companies): the published copy says
so, and its report hides the sections that need activities, web sessions or content, each with a
one-line note.

The backfill covers the export's whole period, 519 days, in one rebuild as of its last day.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.report import build_report
from tests.support.project import PROJECT_ROOT, SHARED_DATA

OLIST = SHARED_DATA / "olist-marketing-funnel"
FIRST_DAY, LAST_DAY = "2017-06-14", "2018-11-14"
FIRST_MONTH = "2017-06-01"  # a month is judged by the version in force on its first day

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not OLIST.exists(), reason="the Olist export lives in ../shared/data, absent here"),
]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_olist_history_needs_an_agreement_then_backfills_to_842_won_deals(prefect_harness, tmp_path: Path):
    config, warehouse = tmp_path / "olist-config", tmp_path / "warehouse"
    env = {
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_LANDING_DIR": str(OLIST),
        "LEAD_SLA_SOURCE_MAPPING": str(PROJECT_ROOT / "config" / "sources" / "olist.yml"),
        "LEAD_SLA_CONFIG_DIR": str(config),
        "LEAD_SLA_WAREHOUSE_PATH": str(warehouse / "lead_sla.duckdb"),
        "LEAD_SLA_PUBLISHED_DIR": str(warehouse / "published"),
        "LEAD_SLA_PUBLISH_DOCS": "false",
        "COLUMNS": "250",
    }
    runner = CliRunner()
    backfill = ["backfill", "--start", FIRST_DAY, "--end", LAST_DAY]

    # An agreement from 2018: the days asked for are covered, the history in the export is not.
    assert runner.invoke(app, ["agreement", "init", "--effective-from", "2018-01-01"], env=env).exit_code == 0
    too_late = runner.invoke(app, ["backfill", "--start", LAST_DAY, "--end", LAST_DAY], env=env)
    assert too_late.exit_code == 2, too_late.output
    message = _one_line(too_late.output)
    assert (f"no SLA version is in force on {FIRST_MONTH} (the first day of the month of {FIRST_DAY}, the first "
            "handoff the warehouse holds; a month is judged by the version in force on its first day); its first "
            "version, 'initial-2018-01-01', is in force from 2018-01-01") in message
    assert f"lead-sla agreement init --effective-from {FIRST_MONTH}" in message

    added = runner.invoke(app, ["agreement", "init", "--effective-from", FIRST_MONTH], env=env)
    assert added.exit_code == 0, added.output
    assert "until version 'initial-2018-01-01' (2018-01-01)" in _one_line(added.output)

    shutil.rmtree(warehouse)  # a fresh warehouse
    done = runner.invoke(app, backfill, env=env)
    assert done.exit_code == 0, done.output
    assert f"Backfill {FIRST_DAY}..{LAST_DAY}: one rebuild as of {LAST_DAY}" in _one_line(done.output)
    assert "519 day(s) built; published: yes" in _one_line(done.output)

    conn = duckdb.connect(str(warehouse / "published" / "lead_sla.duckdb"), read_only=True)
    try:
        funnel = conn.execute("select sum(won_deals), sum(mqls), min(report_date), max(report_date) "
                              "from marts.fct_lead_funnel_daily").fetchone()
        deals = conn.execute("select count(*) from marts.fct_sales_sla").fetchone()
        had = conn.execute("select stream from meta.streams where has_data order by stream").fetchall()
    finally:
        conn.close()
    assert funnel is not None and (int(funnel[0]), int(funnel[1])) == (842, 8000)
    assert (str(funnel[2]), str(funnel[3])) == (FIRST_DAY, LAST_DAY)
    assert deals == (8000,)  # every mql is a handoff judged by the agreement in force on its day

    # four streams: the report hides what the others would feed, each section with one line saying why
    assert [row[0] for row in had] == ["companies", "contacts", "deals", "lifecycle_changes"]
    page = build_report(warehouse / "published" / "lead_sla.duckdb", date.fromisoformat(LAST_DAY), tmp_path / "report",
                        reporting_timezone="America/New_York").read_text(encoding="utf-8")
    sections = re.finditer(r'<section class="panel" id="([a-z-]+)".*?</section>', page, re.S)
    notes = [(s.group(1), note) for s in sections for note in re.findall(r'data-absent-stream="([a-z_]+)"', s.group(0))]
    assert sorted(notes) == [("breaches", "activities"), ("content", "content"), ("followup", "activities"),
                             ("funnel", "web_sessions"), ("response", "activities")]
