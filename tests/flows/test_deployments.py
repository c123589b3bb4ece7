"""The served setup, exactly as the README shows it: a Prefect server and a process worker on
loopback, deployments from prefect.yaml, and a triggered nightly run that builds the marts."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

PREFECT = str(Path(sys.executable).with_name("prefect"))
DEMO_DAY = date(2026, 10, 31)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Prefect server on loopback plus the environment a worker and the CLI need."""
    home = tmp_path_factory.mktemp("prefect-home")
    work = tmp_path_factory.mktemp("lead-sla")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_WAREHOUSE_PATH": str(work / "warehouse" / "lead_sla.duckdb"),
        "LEAD_SLA_LANDING_DIR": str(work / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(work / "warehouse" / "published"),
        "LEAD_SLA_PUBLISH_DOCS": "false",  # the docs are published and checked on the demo (tests/docs)
    }
    subprocess.run(
        [sys.executable, "-m", "lead_sla.cli", "generate", "--leads", "200", "--days", "21",
         "--end-date", DEMO_DAY.isoformat()],
        env=env, check=True, capture_output=True, timeout=300,
    )
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", timeout=120)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def prefect(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    result = subprocess.run([PREFECT, "--no-prompt", *args], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_deploy_from_prefect_yaml_and_run_the_nightly_deployment(served):
    env = served
    prefect(env, "work-pool", "create", "lead-sla", "--type", "process")
    prefect(env, "deploy", "--all")
    listed = prefect(env, "deployment", "ls")
    assert "nightly/nightly" in listed and "backfill/backfill" in listed

    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "lead-sla", "--limit", "1"],
                              env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = prefect(env, "deployment", "run", "nightly/nightly", "--param", f"run_date={DEMO_DAY.isoformat()}",
                      "--watch", "--watch-timeout", "900", timeout=960)
        assert "Completed" in out, out
        # the README's backfill, replaying past days on the populated warehouse: one rebuild as of its day
        first = (DEMO_DAY - timedelta(days=2)).isoformat()
        out = prefect(env, "deployment", "run", "backfill/backfill", "--param", f"start={first}",
                      "--param", f"end={DEMO_DAY.isoformat()}", "--param", "force=true",
                      "--watch", "--watch-timeout", "900", timeout=960)
        assert "Completed" in out, out
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    conn = duckdb.connect(env["LEAD_SLA_WAREHOUSE_PATH"].replace("lead_sla.duckdb", "published/lead_sla.duckdb"),
                          read_only=True)
    try:
        handoffs = conn.execute("select count(*) from marts.fct_sales_sla").fetchone()[0]
        assert handoffs > 0
        assert conn.execute("select run_date from meta.publication").fetchone() == (DEMO_DAY,)
    finally:
        conn.close()
    runs = subprocess.run([sys.executable, "-m", "lead_sla.cli", "status"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert "success" in runs.stdout and DEMO_DAY.isoformat() in runs.stdout
    replays = duckdb.connect(env["LEAD_SLA_WAREHOUSE_PATH"], read_only=True)
    try:
        flows = replays.execute("select flow, run_date, as_of_date, status from ops.runs order by started_at").fetchall()
    finally:
        replays.close()
    assert flows == [("nightly", DEMO_DAY, DEMO_DAY, "success"), ("backfill", DEMO_DAY, DEMO_DAY, "success")]
    assert json.loads((Path(env["LEAD_SLA_PUBLISHED_DIR"]) / "manifest.json").read_text())["run_date"] == DEMO_DAY.isoformat()
