"""The dbt runner: failures are read from dbt's result objects, and the warehouse is released."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.build import write_agreement
from lead_sla.transform.dbt import DbtBuildError, build, run_dbt

DAY = date(2026, 10, 31)

pytestmark = pytest.mark.slow  # runs dbt


@pytest.fixture
def project_copy(tmp_path, settings: Settings) -> Settings:
    """The dbt project copied aside, with one singular test that always fails."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(settings.dbt_dir, copy, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    (copy / "tests" / "assert_this_always_fails.sql").write_text("select 1 as broken_row\n")
    return settings.model_copy(update={"dbt_project_dir": copy})


def test_a_failing_dbt_test_fails_the_build_and_names_the_test(project_copy):
    write_agreement(project_copy, DAY)
    with pytest.raises(DbtBuildError) as info:
        build(project_copy, RunDay(DAY, project_copy.reporting_timezone), select=["assert_this_always_fails"])
    message = str(info.value)
    assert "test.lead_sla.assert_this_always_fails: fail" in message
    assert f"dbt build for {DAY} failed" in message


def test_after_dbt_the_warehouse_is_released_for_a_read_only_open(settings):
    write_agreement(settings, DAY)
    result = run_dbt(settings, "run", ["--select", "stg_crm__users"], day=RunDay(DAY, settings.reporting_timezone))
    assert result.success, result.error
    conn = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert conn.execute("select count(*) from staging.stg_crm__users").fetchone() == (0,)
    finally:
        conn.close()
