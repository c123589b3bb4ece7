"""Publishing: readers get whole days, swapped in atomically, never blocked by the next night."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from lead_sla.publish.publisher import publish, read_manifest
from lead_sla.warehouse import connect


def make_warehouse(path: Path, rows: int) -> None:
    conn = connect(path)
    try:
        conn.execute("create schema if not exists marts")
        conn.execute("create schema if not exists raw")
        conn.execute(f"create or replace table marts.fct_example as select range as id from range({rows})")
        conn.execute("create or replace table raw.secret as select 1 as x")
    finally:
        conn.close()


def test_publish_writes_the_marts_only_as_duckdb_and_parquet(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_warehouse(warehouse, 3)
    result = publish(warehouse, published, run_id="r1", run_date=date(2026, 3, 2))
    assert result.published and result.tables == {"marts.fct_example": 3}
    reader = duckdb.connect(str(published / "lead_sla.duckdb"), read_only=True)
    try:
        assert reader.execute("select count(*) from marts.fct_example").fetchone() == (3,)
        assert reader.execute("select run_date from meta.publication").fetchone() == (date(2026, 3, 2),)
        schemas = {r[0] for r in reader.execute("select schema_name from information_schema.schemata").fetchall()}
        assert "raw" not in schemas
    finally:
        reader.close()
    assert pq.read_table(published / "parquet" / "current" / "marts" / "fct_example.parquet").num_rows == 3
    assert read_manifest(published)["run_date"] == "2026-03-02"


def test_a_reader_holding_the_copy_open_keeps_its_day_and_does_not_block(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_warehouse(warehouse, 3)
    publish(warehouse, published, run_id="r1", run_date=date(2026, 3, 2))
    reader = duckdb.connect(str(published / "lead_sla.duckdb"), read_only=True)
    try:
        make_warehouse(warehouse, 5)
        publish(warehouse, published, run_id="r2", run_date=date(2026, 3, 3))
        assert reader.execute("select count(*) from marts.fct_example").fetchone() == (3,)  # still its whole old day
        # A new reader (another process: DuckDB shares one instance per path within a process) sees the new day.
        script = (
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select count(*) from marts.fct_example').fetchone()[0])"
        )
        out = subprocess.run([sys.executable, "-c", script, str(published / "lead_sla.duckdb")],
                             capture_output=True, text=True, timeout=60, check=True)
        assert out.stdout.strip() == "5"
    finally:
        reader.close()


def test_an_older_day_is_not_published_over_a_newer_one_unless_forced(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_warehouse(warehouse, 3)
    publish(warehouse, published, run_id="r1", run_date=date(2026, 3, 3))
    skipped = publish(warehouse, published, run_id="r2", run_date=date(2026, 3, 2))
    assert not skipped.published and "newer" in skipped.reason
    assert read_manifest(published)["run_id"] == "r1"
    forced = publish(warehouse, published, run_id="r3", run_date=date(2026, 3, 2), force=True)
    assert forced.published and read_manifest(published)["run_id"] == "r3"


def test_old_parquet_versions_are_pruned_but_the_previous_one_is_kept(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_warehouse(warehouse, 1)
    for n in range(4):
        publish(warehouse, published, run_id=f"r{n}", run_date=date(2026, 3, 2 + n))
    versions = sorted(p.name for p in (published / "parquet" / "versions").iterdir())
    assert versions == ["r2", "r3"]
