"""The dbt unit tests run here, in `make test`; the nightly build leaves them out unless asked.

They check the models' logic on fixed inputs, which only changes with the code, so running them
every night only adds a fixed cost to each build (about 15 s).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.dbt import build, run_dbt

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _declared_unit_tests(dbt_dir: Path) -> set[str]:
    names: set[str] = set()
    for path in (dbt_dir / "models").rglob("*.yml"):
        for case in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            names.add(case["name"])
    return names


@pytest.fixture
def built(published, tmp_path) -> Settings:
    """A private copy of the demo's built warehouse (unit tests read their inputs' column types)."""
    warehouse = tmp_path / "warehouse" / "lead_sla.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(published.settings.warehouse, warehouse)
    return published.settings.model_copy(update={"warehouse_path": warehouse, "published_dir": tmp_path / "published"})


def test_every_dbt_unit_test_passes(built, published):
    declared = _declared_unit_tests(built.dbt_dir)
    assert len(declared) >= 20
    result = run_dbt(built, "test", ["--select", "test_type:unit"], day=RunDay(published.run_date, built.reporting_timezone))
    ran = {n.unique_id.rsplit(".", 1)[-1]: n.status for n in result.nodes if n.unique_id.startswith("unit_test.")}
    assert result.success, [f"{n.unique_id}: {n.message}" for n in result.failures]
    assert set(ran) == declared
    assert set(ran.values()) == {"pass"}


def test_the_nightly_build_leaves_unit_tests_out_unless_asked(built, published):
    model = "int_identities_stitched"  # has unit tests
    nightly = build(built, RunDay(published.run_date, built.reporting_timezone), select=[model])
    assert not [n for n in nightly.nodes if n.unique_id.startswith("unit_test.")]
    assert any(n.unique_id == f"model.lead_sla.{model}" for n in nightly.nodes)

    asked = build(built.model_copy(update={"dbt_unit_tests_nightly": True}), RunDay(published.run_date, built.reporting_timezone),
                  select=[model])
    assert [n for n in asked.nodes if n.unique_id.startswith("unit_test.")]
