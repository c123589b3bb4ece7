"""`lead-sla publish` publishes only marts that a successful run left: never a failed night's.

A run that fails after its build (at a data-quality gate, say) has already rebuilt the marts as of
its own day; the last successful run's day is no longer what they hold. Publishing them under that
day's label would show readers the failed night's numbers, ungated.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.ops.runlog import RunLog

runner = CliRunner()
HELD = date(2026, 10, 31)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "w" / "lead_sla.duckdb"),
        "LEAD_SLA_LANDING_DIR": str(tmp_path / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "w" / "published"),
    }


def _run(warehouse: Path, day: date, stages: dict[str, bool], status: str) -> None:
    """One run in the run log: its stages (name -> succeeded) and its final status."""
    log = RunLog(warehouse, f"{day}-{len(stages)}-{status}", day, "nightly", as_of_date=day)
    log.start()
    for name, ok in stages.items():
        try:
            with log.stage(name):
                if not ok:
                    raise RuntimeError(f"{name} failed")
        except RuntimeError:
            break
    log.finish(status, None if status == "success" else "a stage failed")


NIGHT = {"extract": True, "build": True, "validate": True, "score": True, "publish": True}


@pytest.mark.parametrize(
    ("later_run", "stage_named"),
    [
        pytest.param({"extract": True, "build": True, "validate": False}, "validate", id="failed-at-a-gate"),
        pytest.param({"extract": True, "build": False}, "build", id="failed-mid-build"),
        pytest.param({"extract": True, "build": True, "validate": True, "score": False}, "score", id="failed-at-scoring"),
        pytest.param({**NIGHT, "publish": False}, "publish", id="failed-at-publishing"),
    ],
)
def test_publish_refuses_marts_a_failed_run_rebuilt(tmp_path, later_run, stage_named):
    env = _env(tmp_path)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    _run(warehouse, HELD, NIGHT, "success")
    _run(warehouse, date(2026, 11, 1), later_run, "failed")

    result = runner.invoke(app, ["publish"], env=env)

    said = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "not published: the warehouse's tables are those of run" in said
    assert f"(2026-11-01), which stopped at {stage_named}" in said
    assert "`lead-sla run --date 2026-11-01`" in said
    assert not (tmp_path / "w" / "published" / "manifest.json").exists()


def test_a_run_that_failed_before_building_leaves_the_held_day_publishable(tmp_path):
    env = _env(tmp_path)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    _run(warehouse, HELD, NIGHT, "success")
    _run(warehouse, date(2026, 11, 1), {"extract": False}, "failed")

    result = runner.invoke(app, ["publish"], env=env)

    assert result.exit_code == 0, result.output
    assert "Published 2026-10-31" in " ".join(result.output.split())


def test_a_run_that_failed_before_building_does_not_make_a_failed_build_publishable(tmp_path):
    env = _env(tmp_path)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    _run(warehouse, HELD, NIGHT, "success")
    _run(warehouse, date(2026, 11, 1), {"extract": True, "build": True, "validate": False}, "failed")
    _run(warehouse, date(2026, 11, 1), {"extract": False}, "failed")

    result = runner.invoke(app, ["publish"], env=env)

    assert result.exit_code == 1, result.output
    assert "which stopped at validate" in " ".join(result.output.split())


def test_a_successful_run_after_a_failed_one_makes_its_day_publishable(tmp_path):
    env = _env(tmp_path)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    _run(warehouse, HELD, NIGHT, "success")
    _run(warehouse, date(2026, 11, 1), {"extract": True, "build": True, "validate": False}, "failed")
    _run(warehouse, date(2026, 11, 1), NIGHT, "success")

    result = runner.invoke(app, ["publish"], env=env)

    assert result.exit_code == 0, result.output
    assert "Published 2026-11-01" in " ".join(result.output.split())
