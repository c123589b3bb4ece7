"""The Prefect flow on a synthetic warehouse file: learned scores, exports, and the push only when configured."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
from pydantic import SecretStr
from typer.testing import CliRunner

from lead_sla.flows.scoring import score
from lead_sla.ops.lock import warehouse_lock
from lead_sla.scoring.cli import app
from lead_sla.settings import Settings
from lead_sla.scoring.tables import DAY_TABLES, LEAD_SCORES
from tests.support.project import PROJECT_ROOT
from tests.scoring.builders import TZ, Warehouse, build_history
from tests.support.crm_tasks_server import CrmTasksServer

FIRST_DAY = date(2026, 1, 5)
DAY = FIRST_DAY + timedelta(days=89)
TOKEN = "flow-tasks-token"


def synthetic_warehouse(tmp_path: Path) -> Path:
    warehouse = tmp_path / "warehouse" / "lead_sla.duckdb"
    warehouse.parent.mkdir()
    conn = duckdb.connect(str(warehouse))
    try:
        wh = Warehouse(conn)
        build_history(wh, first_day=FIRST_DAY, days=90, leads=300, seed=11)
        wh.built_as_of(DAY)
    finally:
        conn.close()
    return warehouse


def test_score_flow_writes_the_day_exports_it_and_pushes_only_when_configured(prefect_harness, tmp_path: Path):
    warehouse = synthetic_warehouse(tmp_path)
    settings = Settings(
        project_root=PROJECT_ROOT, warehouse_path=warehouse, reporting_timezone=TZ, crm_tasks_url=None,
        scoring_min_labelled_leads=50, scoring_min_conversions=10, scoring_horizon_days=30,
        scoring_validation_days=20, scoring_tasks_per_owner=3, http_backoff_seconds=0.0,
    )

    first = score(run_date=DAY, settings=settings)
    assert first.score_basis == "learned" and first.model_version
    assert sorted(first.tables) == sorted(DAY_TABLES)
    assert first.export_folder == warehouse.parent / "exports" / DAY.isoformat()
    assert (first.export_folder / "crm_tasks.json").exists()
    assert first.push.status == "not_configured" and first.push.sent == 0

    with CrmTasksServer(TOKEN) as server:
        configured = settings.model_copy(update={"crm_tasks_url": server.base_url,
                                                 "crm_tasks_token": SecretStr(TOKEN)})
        second = score(run_date=DAY, settings=configured)
        third = score(run_date=DAY, settings=configured)
        assert second.push.sent == second.tasks_exported == len(server.tasks) == 6  # 2 owners x 3 tasks
        assert third.push.sent == 0 and len(server.requests) == 6

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        days = conn.execute(f"select score_date, count(*) from {LEAD_SCORES} group by 1").fetchall()
    finally:
        conn.close()
    assert [d for d, _ in days] == [DAY] and days[0][1] == first.leads_scored


def test_score_run_command_takes_the_warehouse_lock(prefect_harness, tmp_path: Path):
    warehouse = synthetic_warehouse(tmp_path)
    env = {"LEAD_SLA_WAREHOUSE_PATH": str(warehouse), "LEAD_SLA_REPORTING_TIMEZONE": TZ,
           "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT), "LEAD_SLA_CRM_TASKS_URL": ""}
    runner = CliRunner()
    with warehouse_lock(warehouse, run_id="someone else"):
        refused = runner.invoke(app, ["run", "--date", DAY.isoformat()], env=env)
    assert refused.exit_code == 1 and "someone else" in refused.output
    done = runner.invoke(app, ["run", "--date", DAY.isoformat()], env={**env, "COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "fit_engagement" in done.output and "nothing sent" in done.output
    wrong = runner.invoke(app, ["run", "--date", "31/10/2026"], env=env)
    assert wrong.exit_code == 2
