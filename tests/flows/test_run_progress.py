"""A real ``lead-sla run`` with its output going to a pipe, not a terminal: the dbt build and the dbt
docs say how far they have got in a dozen plain lines each, on the console and in the log file, and
``lead-sla status`` asked during the run shows the stage with its count of nodes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.demo import generate
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

DAY = date(2026, 10, 31)
STATUS_PROGRESS = re.compile(r"stage (build|docs) since \S+ UTC \(dbt (?:build|docs): (\d+) of (\d+) nodes")


def test_a_run_reports_its_progress_in_plain_lines_and_status_shows_it(prefect_harness, tmp_path: Path):
    from prefect.settings import PREFECT_API_URL

    generate(tmp_path / "landing", leads=150, days=14, seed=7, end_date=DAY)
    warehouse = tmp_path / "warehouse" / "lead_sla.duckdb"
    settings_env = {
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_WAREHOUSE_PATH": str(warehouse),
        "LEAD_SLA_LANDING_DIR": str(tmp_path / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "warehouse" / "published"),
        "LEAD_SLA_LOG_FILE": str(tmp_path / "lead-sla.log"),
        "LEAD_SLA_PUBLISH_DOCS": "true",
    }
    env = {**os.environ, **settings_env, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env.pop("TERM", None)
    output = tmp_path / "console.txt"
    with output.open("w") as sink:
        run = subprocess.Popen([sys.executable, "-m", "lead_sla.cli", "run", "--date", DAY.isoformat()],
                               env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        holder = warehouse.with_name(warehouse.name + ".lock.json")
        shown: dict[str, set[tuple[int, int]]] = {"build": set(), "docs": set()}
        deadline = time.monotonic() + 900
        try:
            while run.poll() is None and time.monotonic() < deadline:
                if holder.exists():  # status reads only the lock while the run holds it
                    status = CliRunner().invoke(app, ["status"], env=settings_env)
                    assert status.exit_code == 0, status.output
                    for stage, done, total in STATUS_PROGRESS.findall(" ".join(status.output.split())):
                        shown[stage].add((int(done), int(total)))
                time.sleep(0.3)
        finally:
            if run.poll() is None:
                run.kill()
            run.wait(timeout=60)
    console = output.read_text()
    assert run.returncode == 0, console

    assert "\x1b[" not in console  # no terminal, no escape codes
    for stage, totals in shown.items():
        assert any(0 < done < total for done, total in totals), (stage, sorted(totals))

    build = [line for line in console.splitlines() if " - dbt build: " in line]
    docs = [line for line in console.splitlines() if " - dbt docs: " in line]
    assert re.search(r"dbt build: (\d+) nodes to run", build[0]) and "(100%)" in build[-1], build
    assert 11 <= len(build) <= 12, build
    assert docs[-2].endswith("nodes compiled; building the catalog") and "catalog written" in docs[-1], docs
    assert 13 <= len(docs) <= 14, docs

    log = (tmp_path / "lead-sla.log").read_text()
    for line in (build[0], build[-1], docs[-1]):
        assert line.split(" - ", 1)[1] in log
