"""One run per warehouse, and a run log that says what ran and why it failed."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from lead_sla.ops.lock import WarehouseBusy, warehouse_lock
from lead_sla.ops.runlog import RunLog, successful_days
from lead_sla.warehouse import connect


def test_a_second_run_is_refused_with_the_holder_named(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with warehouse_lock(warehouse, run_id="nightly 2026-03-02"):
        with pytest.raises(WarehouseBusy, match=r"another run is using .*w.duckdb: run nightly 2026-03-02 \(pid \d+"):
            with warehouse_lock(warehouse, run_id="nightly 2026-03-03"):
                pass
    with warehouse_lock(warehouse, run_id="after"):  # released: the next run gets it
        pass


def test_a_second_run_can_wait_for_the_first(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with warehouse_lock(warehouse, run_id="first"):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    with warehouse_lock(warehouse, run_id="second", wait_seconds=30):
        order.append("second started")
    thread.join()
    assert order == ["first done", "second started"]


def test_stages_and_failures_are_logged(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    log = RunLog(warehouse, "r1", date(2026, 3, 2), "nightly")
    log.start()
    with log.stage("extract") as counts:
        counts.rows_in, counts.rows_out = 10, 8
    with pytest.raises(ValueError):
        with log.stage("build"):
            raise ValueError("dbt test failed: assert_positive")
    log.finish("failed", "ValueError: dbt test failed")

    conn = connect(warehouse)
    try:
        assert conn.execute("select stage, status, rows_in, rows_out, error from ops.run_stages order by started_at").fetchall() == [
            ("extract", "success", 10, 8, None),
            ("build", "failed", None, None, "ValueError: dbt test failed: assert_positive"),
        ]
        assert conn.execute("select status, error from ops.runs").fetchone() == ("failed", "ValueError: dbt test failed")
    finally:
        conn.close()


def test_successful_days_are_the_days_whose_latest_run_succeeded(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    for run_id, day, status in [("a", 2, "success"), ("b", 3, "success"), ("c", 3, "failed"), ("d", 4, "failed")]:
        log = RunLog(warehouse, run_id, date(2026, 3, day), "backfill")
        log.start()
        time.sleep(0.01)
        log.finish(status)
    assert successful_days(warehouse) == {date(2026, 3, 2)}


def test_a_run_left_running_by_a_dead_process_is_marked_abandoned(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    dead = RunLog(warehouse, "dead", date(2026, 3, 2), "nightly")
    dead.start()
    with pytest.raises(KeyboardInterrupt):
        with dead.stage("build"):
            raise KeyboardInterrupt  # stands in for the kill: the stage row is closed as failed
    RunLog(warehouse, "next", date(2026, 3, 2), "nightly").start()
    conn = connect(warehouse)
    try:
        assert conn.execute("select run_id, status from ops.runs order by started_at").fetchall() == [
            ("dead", "abandoned"), ("next", "running"),
        ]
    finally:
        conn.close()


def test_the_day_summary_reports_statuses_reps_and_marketing(tmp_path):
    from lead_sla.ops.summary import day_summary_markdown

    warehouse = tmp_path / "w.duckdb"
    conn = connect(warehouse)
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_sales_sla as select * from (values "
                 "(date '2026-03-02', 'met'), (date '2026-03-02', 'met'), (date '2026-03-02', 'late'), "
                 "(date '2026-03-01', 'pending')) t(handoff_date, sla_status)")
    conn.execute("create table marts.fct_sales_sla_daily as select date '2026-03-02' as activity_date, 'USR-1' as owner_id, "
                 "3 as handoffs_received, 2 as handoffs_due, 1 as handoffs_met_by_due, 1 as handoffs_breached, "
                 "0 as handoffs_pending, 0.5 as sla_attainment")
    conn.execute("create table marts.fct_marketing_sla_daily as select date '2026-03-02' as report_date, 'smb' as segment, "
                 "40 as mql_target, 3 as mqls_delivered, 0.75 as pace_attainment, 40.0 as projected_mqls")
    conn.close()
    text = day_summary_markdown(warehouse, date(2026, 3, 2))
    assert "| met | 2 |" in text and "| late | 1 |" in text and "pending" not in text.split("## Reps")[0]
    assert "| USR-1 | 3 | 2 | 1 | 1 | 0 | 50% |" in text
    assert "| smb | 40 | 3 | 75% | 40 |" in text


def test_schema_rows_adds_up_the_base_tables_of_a_schema(tmp_path):
    from lead_sla.warehouse import schema_rows

    warehouse = tmp_path / "w.duckdb"
    conn = connect(warehouse)
    conn.execute("create schema marts")
    conn.execute("create table marts.a as select range from range(3)")
    conn.execute("create table marts.b as select range from range(4)")
    conn.execute("create view marts.v as select * from marts.a")
    conn.close()
    assert schema_rows(warehouse, "marts") == 7
    assert schema_rows(warehouse, "scoring") == 0


def test_a_killed_process_not_yet_reaped_is_not_alive():
    import os
    import signal
    import subprocess
    import sys

    from lead_sla.ops.lock import pid_alive

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert pid_alive(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        for _ in range(100):  # a zombie until we wait for it, as a run killed under a parent that never reaps
            if not pid_alive(child.pid):
                break
            time.sleep(0.05)
        assert not pid_alive(child.pid)
    finally:
        child.wait()
    assert not pid_alive(child.pid)
