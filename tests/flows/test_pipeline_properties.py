"""Properties of the whole pipeline on generated demo data, each compared table by table
(tests/support/tables.py); the time properties (sequences of runs, replays and backfills) are in
test_time.py:

- crash-safe: a run killed mid-build or mid-publish is followed by a run that succeeds with tables
  equal to a clean run's, and readers never see a half-written day. (Extraction survives a kill
  before its commit, tests/landing; scoring killed mid-way, test_readers.py; running a day again,
  test_time.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from lead_sla.publish.publisher import read_manifest
from lead_sla.settings import Settings
from lead_sla.demo import generate
from tests.support.project import PROJECT_ROOT
from tests.support.tables import assert_same_tables, snapshot

pytestmark = pytest.mark.slow

LAST_DAY = date(2026, 10, 31)
DAYS = [LAST_DAY - timedelta(days=2), LAST_DAY - timedelta(days=1), LAST_DAY]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    generate(folder, leads=150, days=14, seed=7, end_date=LAST_DAY)
    return folder


def settings_for(root: Path, landing: Path) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=root / "warehouse" / "lead_sla.duckdb",
        landing_dir=landing,
        published_dir=root / "warehouse" / "published",
        publish_docs=False,
    )


def _run_in_subprocess(settings: Settings, day: date) -> subprocess.Popen:
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),  # the session's API: no temporary server per run
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_WAREHOUSE_PATH": str(settings.warehouse),
        "LEAD_SLA_LANDING_DIR": str(settings.landing),
        "LEAD_SLA_PUBLISHED_DIR": str(settings.published_dir),
        "LEAD_SLA_PUBLISH_DOCS": "false",
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


def test_a_killed_run_is_followed_by_a_run_equal_to_a_clean_one(prefect_harness, tmp_path, landing):
    # every scenario starts from the same warehouse, built for the first day once and copied
    base = settings_for(tmp_path / "base", landing)
    first = _run_in_subprocess(base, DAYS[0])
    assert first.wait(timeout=900) == 0, first.stderr.read()

    def from_base(name: str) -> Settings:
        shutil.copytree(tmp_path / "base", tmp_path / name, symlinks=True)
        return settings_for(tmp_path / name, landing)

    clean = from_base("clean")
    started = time.monotonic()
    second = _run_in_subprocess(clean, LAST_DAY)
    assert second.wait(timeout=900) == 0, second.stderr.read()
    clean_seconds = time.monotonic() - started
    offsets = _stage_offsets(clean)
    reference = snapshot(clean.warehouse)

    for stage in ("build", "publish"):
        crashed = from_base(f"crash_{stage}")
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
