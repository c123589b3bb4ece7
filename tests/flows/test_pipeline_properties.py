"""Properties of the whole pipeline on generated demo data, each compared table by table:

- idempotent: running a day twice leaves every mart identical;
- incremental equals full: nightly runs of D1..Dn in turn give the same marts as one build of Dn
  from scratch, as a backfill of D1..Dn, and as nightly runs that missed a night;
- crash-safe: a run killed during extraction, mid-build, mid-scoring or mid-publish is followed by a run that
  succeeds with tables equal to a clean run's, and readers never see a half-written day.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from lead_sla.flows.nightly import backfill, nightly
from lead_sla.publish.publisher import read_manifest
from lead_sla.settings import Settings
from lead_sla.sources.demo import generate
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

LAST_DAY = date(2026, 10, 31)
DAYS = [LAST_DAY - timedelta(days=2), LAST_DAY - timedelta(days=1), LAST_DAY]
COMPARED_SCHEMAS = ("marts", "scoring")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    generate(folder, leads=250, days=30, seed=7, end_date=LAST_DAY)
    return folder


def settings_for(root: Path, landing: Path) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=root / "warehouse" / "lead_sla.duckdb",
        landing_dir=landing,
        published_dir=root / "warehouse" / "published",
    )


# Scoring keeps one copy per scored day (history); a full build scores only its day. So scoring
# tables are compared on the last scored day; the push ledger records wall-clock sends.
DAY_COLUMNS = ("score_date", "trained_for_date")
NOT_COMPARED = {"scoring.crm_task_pushes"}


def snapshot(database: Path) -> dict[str, list[tuple]]:
    """Every table of the compared schemas, rows sorted, floats rounded to 9 places."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {COMPARED_SCHEMAS} and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        result = {}
        for schema, table in tables:
            if f"{schema}.{table}" in NOT_COMPARED:
                continue
            columns = conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]
            ).fetchall()
            select = ", ".join(
                f'round("{name}", 9)' if kind in ("DOUBLE", "FLOAT", "REAL") else f'"{name}"'
                for name, kind in columns
            )
            names = [name for name, _ in columns]
            day_column = next((c for c in DAY_COLUMNS if c in names), None)
            where = f"where {day_column} = (select max({day_column}) from {schema}.{table})" if day_column else ""
            result[f"{schema}.{table}"] = conn.execute(f"select {select} from {schema}.{table} {where} order by all").fetchall()
        return result
    finally:
        conn.close()


def assert_same_tables(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> None:
    assert sorted(left) == sorted(right)
    differing = {name: (len(left[name]), len(right[name])) for name in left if left[name] != right[name]}
    assert not differing, f"tables differ (row counts left, right): {differing}"


def test_running_a_day_twice_changes_nothing(prefect_harness, tmp_path, landing):
    settings = settings_for(tmp_path, landing)
    nightly(run_date=LAST_DAY, settings=settings)
    first = snapshot(settings.warehouse)
    assert first["marts.fct_sales_sla"], "the demo day should have handoffs"
    nightly(run_date=LAST_DAY, settings=settings, force_publish=True)
    assert_same_tables(first, snapshot(settings.warehouse))


def test_nightly_runs_in_turn_equal_a_full_build_and_a_backfill(prefect_harness, tmp_path, landing):
    in_turn = settings_for(tmp_path / "in_turn", landing)
    for day in DAYS:
        nightly(run_date=day, settings=in_turn)
    full = settings_for(tmp_path / "full", landing)
    nightly(run_date=LAST_DAY, settings=full)
    filled = settings_for(tmp_path / "backfill", landing)
    results = backfill(start=DAYS[0], end=DAYS[-1], settings=filled)
    assert [r.status for r in results] == ["success"] * len(DAYS)

    # A missed night: the next nightly run fills the day it missed.
    missed = settings_for(tmp_path / "missed", landing)
    nightly(run_date=DAYS[0], settings=missed)
    nightly(run_date=DAYS[-1], settings=missed)

    reference = snapshot(in_turn.warehouse)
    assert_same_tables(reference, snapshot(full.warehouse))
    assert_same_tables(reference, snapshot(filled.warehouse))
    assert_same_tables(reference, snapshot(missed.warehouse))

    # A second backfill over the same range skips the days already built.
    again = backfill(start=DAYS[0], end=DAYS[-1], settings=filled)
    assert [r.status for r in again] == ["skipped"] * len(DAYS)


def _run_in_subprocess(settings: Settings, day: date) -> subprocess.Popen:
    env = {
        **os.environ,
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_WAREHOUSE_PATH": str(settings.warehouse),
        "LEAD_SLA_LANDING_DIR": str(settings.landing),
        "LEAD_SLA_PUBLISHED_DIR": str(settings.published_dir),
    }
    return subprocess.Popen([sys.executable, "-m", "lead_sla.cli", "run", "--date", day.isoformat()],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _stage_offsets(settings: Settings) -> dict[str, tuple[float, float]]:
    """Seconds from the run's start to the start and end of each stage of the last run."""
    conn = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = conn.execute(
            """select s.stage, epoch(s.started_at - r.started_at), epoch(s.finished_at - r.started_at)
               from ops.run_stages s join ops.runs r using (run_id)
               where r.started_at = (select max(started_at) from ops.runs)"""
        ).fetchall()
    finally:
        conn.close()
    return {stage: (start, end) for stage, start, end in rows}


def test_a_killed_run_is_followed_by_a_run_equal_to_a_clean_one(tmp_path, landing):
    clean = settings_for(tmp_path / "clean", landing)
    first = _run_in_subprocess(clean, DAYS[0])
    assert first.wait(timeout=900) == 0, first.stderr.read()
    started = time.monotonic()
    second = _run_in_subprocess(clean, LAST_DAY)
    assert second.wait(timeout=900) == 0, second.stderr.read()
    clean_seconds = time.monotonic() - started
    offsets = _stage_offsets(clean)
    reference = snapshot(clean.warehouse)

    for stage in ("extract", "build", "score", "publish"):
        crashed = settings_for(tmp_path / f"crash_{stage}", landing)
        prepared = _run_in_subprocess(crashed, DAYS[0])
        assert prepared.wait(timeout=900) == 0, prepared.stderr.read()
        published_before = read_manifest(crashed.published_dir)

        # Kill the next day's run in the middle of the stage (offsets from the clean run, plus the
        # process start-up the run log does not see).
        start, end = offsets[stage]
        startup = max(0.0, clean_seconds - max(e for _, e in offsets.values()))
        victim = _run_in_subprocess(crashed, LAST_DAY)
        time.sleep(startup + (start + end) / 2)
        victim.kill()
        victim.wait(timeout=60)

        # Readers still see the last good day, whole.
        manifest = read_manifest(crashed.published_dir)
        assert manifest is not None
        if manifest["run_date"] != LAST_DAY.isoformat():  # killed before the swap
            assert manifest == published_before
        reader = duckdb.connect(str(crashed.published_dir / "lead_sla.duckdb"), read_only=True)
        try:
            assert reader.execute("select count(*) from marts.fct_sales_sla").fetchone()[0] > 0
        finally:
            reader.close()

        recovery = _run_in_subprocess(crashed, LAST_DAY)
        assert recovery.wait(timeout=900) == 0, recovery.stderr.read()
        assert_same_tables(reference, snapshot(crashed.warehouse))
