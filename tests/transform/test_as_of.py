"""dbt reads the run day's instant from its vars (macros/as_of.sql) and refuses vars that disagree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform import dbt as dbt_module

pytestmark = pytest.mark.slow  # runs dbt

INLINE = "select {{ run_date() }} as run_date, {{ as_of_utc() }} as as_of_utc"


def _compile(settings: Settings, target: Path, dbt_vars: dict[str, str]):  # noqa: ANN202 - dbt's result
    project = str(settings.dbt_dir)
    args = ["compile", "--inline", INLINE, "--project-dir", project, "--profiles-dir", project,
            "--target-path", str(target), "--log-path", str(target / "logs"), "--quiet", "--vars", json.dumps(dbt_vars)]
    with dbt_module._dbt_environment(settings):
        try:
            return dbtRunner().invoke(args)
        finally:
            dbt_module._release_duckdb()


def test_dbt_uses_the_run_days_instant_and_refuses_one_that_cannot_end_the_day(settings: Settings, tmp_path: Path) -> None:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    day = RunDay(date(2026, 11, 1), "America/New_York")  # 25 hours long: its end is 05:00 UTC
    compiled = _compile(settings, tmp_path / "target", day.dbt_vars())
    assert compiled.success, compiled.exception
    code = compiled.result.results[0].node.compiled_code
    assert "cast('2026-11-01' as date)" in code and "cast('2026-11-02 05:00:00' as timestamp)" in code

    # a unit test (or a hand-made --vars) that moves run_date and keeps another day's instant
    stale = {**day.dbt_vars(), "run_date": "2026-03-10"}
    refused = _compile(settings, tmp_path / "target", stale)
    assert not refused.success
    assert "var as_of_utc 2026-11-02 05:00:00 is not the end of run_date 2026-03-10 in any time zone" in str(
        refused.exception or refused.result
    )
