"""Late data lands in the day it belongs to, however late it arrives.

The demo company's exports here arrive late on purpose: a share of every stream's rows is exported
0 to 10 days after its day. Nightly runs, day after day, must end exactly where one build of the
last day ends (every table of marts and scoring but the first reports), and at every night each
handoff held to a rep is received on exactly one day and each new lead is new on exactly one day.
Two schedules (seeds and shares of late rows) are drawn. What was restated is said: in the ledger,
by `lead-sla status` and in the report.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import html

import duckdb
import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.flows.nightly import nightly
from lead_sla.publish.as_reported import owner_names, restatement_lines, restatements
from lead_sla.settings import Settings
from lead_sla.demo import LateExports, generate
from tests.support.project import PROJECT_ROOT
from tests.support.tables import assert_same_tables, snapshot

pytestmark = pytest.mark.slow

LAST_DAY = date(2026, 10, 31)
NIGHTS = [LAST_DAY - timedelta(days=n) for n in range(4, -1, -1)]
SCHEDULES = [
    pytest.param(5, LateExports(share=0.3, max_delay_days=10), id="seed-5-30-percent-late"),
    pytest.param(9, LateExports(share=0.6, max_delay_days=10), id="seed-9-60-percent-late"),
]


def settings_for(root: Path, landing: Path) -> Settings:
    return Settings(project_root=PROJECT_ROOT, warehouse_path=root / "warehouse" / "lead_sla.duckdb",
                    landing_dir=landing, published_dir=root / "warehouse" / "published", publish_docs=False)


def counted_once(database: Path, day: date) -> dict[str, tuple]:
    """Each reconciliation as (counted in the daily facts, actual total), as of the warehouse's day."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return {
            "handoffs received": conn.execute(
                "select (select sum(handoffs_received) from marts.fct_sales_sla_daily), "
                "(select count(*) from marts.fct_sales_sla where rep_owner_id is not null)").fetchall()[0],
            "new leads": conn.execute(
                "select (select sum(new_leads) from marts.fct_lead_funnel_daily), "
                "(select count(*) from intermediate.int_leads_attributed "
                " where first_identified_at is not null and first_identified_date <= ?)", [day]).fetchall()[0],
            "mqls delivered": conn.execute(
                "select (select sum(mqls_delivered) from marts.fct_marketing_sla), "
                "(select count(*) from marts.fct_sales_sla)").fetchall()[0],
        }
    finally:
        conn.close()


@pytest.mark.parametrize(("seed", "late"), SCHEDULES)
def test_nightly_runs_over_late_exports_end_as_one_build_of_the_last_day(
    prefect_harness, tmp_path, without_gates, seed, late
):
    landing = tmp_path / "landing"
    generate(landing, leads=200, days=30, seed=seed, end_date=LAST_DAY, late_exports=late)

    nightly_settings = settings_for(tmp_path / "nightly", landing)
    for night in NIGHTS:
        last = nightly(run_date=night, settings=nightly_settings)
        assert last.status == "success"
        for measure, (counted, actual) in counted_once(nightly_settings.warehouse, night).items():
            assert counted == actual, f"{night}: {measure} counted {counted}, actually {actual}"

    once = settings_for(tmp_path / "once", landing)
    nightly(run_date=LAST_DAY, settings=once)
    assert_same_tables(snapshot(once.warehouse), snapshot(nightly_settings.warehouse))

    # late data did restate days already reported, and the ledger says which late records did it
    conn = duckdb.connect(str(nightly_settings.warehouse), read_only=True)
    try:
        restated = conn.execute(
            "select count(*), count(*) filter (where late_data <> '{}') from marts.as_reported_restatements "
            "where measure in ('sessions', 'new_leads', 'handoffs_received', 'mqls_delivered')").fetchall()[0]
        lines = restatement_lines(restatements(conn), owner_names(conn))
    finally:
        conn.close()
    assert restated[0] > 0 and restated[1] > 0
    assert lines and "restated on" in lines[0] and "after late" in lines[0]

    # the operator and the manager are told: `lead-sla status` and the last night's report list them
    env = {"LEAD_SLA_WAREHOUSE_PATH": str(nightly_settings.warehouse),
           "LEAD_SLA_PUBLISHED_DIR": str(nightly_settings.published), "LEAD_SLA_LANDING_DIR": str(landing),
           "COLUMNS": "400"}
    status = CliRunner().invoke(app, ["status"], env=env)
    assert status.exit_code == 0, status.output
    said = " ".join(status.output.split())
    assert f"Restated since first reported ({len(lines)} rows" in said
    assert " ".join(lines[0].split()) in said
    assert last.report is not None
    page = Path(last.report).read_text(encoding="utf-8")
    assert 'id="restated"' in page and html.escape(lines[0]) in page
