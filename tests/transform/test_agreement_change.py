"""Changing the SLA from a date: days before it are judged by the old version and do not change."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.demo import generate
from lead_sla.sources.mapping import load_mapping
from lead_sla.transform.build import build_day
from lead_sla.warehouse import connect

pytestmark = pytest.mark.slow

LAST_DAY = date(2026, 10, 31)
CHANGE_DAY = date(2026, 10, 20)


def with_new_version(config: Path, target: Path) -> Path:
    """A copy of ``config`` whose sla.yml gains a version from CHANGE_DAY with other response targets."""
    shutil.copytree(config, target)
    sla = yaml.safe_load((target / "sla.yml").read_text())
    newest = dict(sla["versions"][-1])
    newest.update(
        version="2026-10-test",
        effective_from=CHANGE_DAY,
        description="Test: every first touch within 30 business minutes.",
        response_targets=[
            {"priority": "demo_request", "business_minutes": 30},
            {"priority": "tier_a", "business_minutes": 30},
            {"priority": "other", "business_minutes": 30},
        ],
    )
    newest.get("marketing", {}).pop("months", None)
    sla["versions"].append(newest)
    (target / "sla.yml").write_text(yaml.safe_dump(sla, sort_keys=False))
    return target


def rows(database: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_new_sla_version_leaves_earlier_days_unchanged(tmp_path, settings: Settings):
    landing = tmp_path / "landing"
    generate(landing, leads=300, days=30, seed=11, end_date=LAST_DAY)
    old = settings.model_copy(update={"landing_dir": landing})
    conn = connect(old.warehouse)
    ensure_raw_schema(conn)
    mapping = load_mapping(old.mapping)
    for stream in mapping.streams:
        extract_stream_files(conn, landing, mapping, stream, up_to=LAST_DAY)
    conn.close()

    new_warehouse = tmp_path / "new" / "lead_sla.duckdb"
    new_warehouse.parent.mkdir()
    shutil.copy(old.warehouse, new_warehouse)
    new = old.model_copy(update={
        "warehouse_path": new_warehouse,
        "config_dir": with_new_version(old.config, tmp_path / "config"),
    })

    build_day(old, LAST_DAY)
    build_day(new, LAST_DAY)

    before = f"handoff_date < date '{CHANGE_DAY}'"
    handoffs = "select * from marts.fct_sales_sla where {} order by handoff_id"
    assert rows(old.warehouse, handoffs.format(before)) == rows(new.warehouse, handoffs.format(before))
    assert rows(old.warehouse, handoffs.format(before)), "the demo has handoffs before the change"
    daily = "select * from marts.fct_sales_sla_daily where {} order by all"
    day_before = before.replace("handoff_date", "activity_date")
    assert rows(old.warehouse, daily.format(day_before)) == rows(new.warehouse, daily.format(day_before))

    after = f"handoff_date >= date '{CHANGE_DAY}'"
    versions = rows(new.warehouse, f"select distinct sla_version, sla_target_business_minutes from marts.fct_sales_sla where {after}")
    assert versions == [("2026-10-test", 30)]
