"""Publishing: readers get whole days, swapped in atomically, never blocked by the next night."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
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


# --- the night's quarantine, published with the day (meta.quarantine) ------------------------

NIGHT = datetime(2026, 3, 3, 7, 30)  # when the night's run started (UTC)


def make_night(path: Path, *, run_id: str = "night", batches: list[tuple[str, int, int]],
               failed: dict[str, int] | None = None, checked: bool = True) -> None:
    """A warehouse whose latest run began a build at NIGHT and extracted ``batches`` (stream, rows
    read, rows quarantined, one quarantined row per reason kind in turn); ``failed`` gives the
    quarantine expectations that failed, by severity, with how many streams they counted."""
    from lead_sla.landing.raw import ensure_raw_schema
    from lead_sla.ops.runlog import RUNS_DDL
    from lead_sla.quality.results import ensure_results_table

    conn = connect(path)
    try:
        ensure_raw_schema(conn)
        conn.execute(RUNS_DDL)
        ensure_results_table(conn)
        for rid, started in (("earlier", NIGHT - timedelta(days=1)), (run_id, NIGHT)):
            conn.execute("INSERT INTO ops.runs (run_id, flow, run_date, started_at, status) VALUES (?, 'nightly', ?, ?, 'running')",
                         [rid, started.date(), started])
            conn.execute("INSERT INTO ops.run_stages (run_id, run_date, stage, started_at, status) VALUES (?, ?, 'build', ?, 'success')",
                         [rid, started.date(), started])
        # yesterday's batch of contacts, quarantined then: not the night's
        batches = [("contacts@earlier", 50, 40, NIGHT - timedelta(hours=20))] + [
            (stream, read, bad, NIGHT + timedelta(minutes=1)) for stream, read, bad in batches]
        kinds = ("unparseable timestamp in created_at", "invalid e-mail in email", "not an integer in amount")
        for n, (stream, read, bad, started) in enumerate(batches):
            name = stream.split("@")[0]
            conn.execute("INSERT INTO raw._batches (batch_id, stream, source, started_at, finished_at, rows_read, "
                         "rows_loaded, rows_duplicate, rows_quarantined, rows_filtered) VALUES (?, ?, 'f.csv', ?, ?, ?, ?, 0, ?, 0)",
                         [f"b{n}", name, started, started, read, read - bad, bad])
            for line in range(bad):
                kind = kinds[0] if line < (bad + 1) // 2 else kinds[1 + line % 2]
                conn.execute("INSERT INTO quarantine.rows (stream, batch_id, source, source_line, reason, raw_text, quarantined_at) "
                             "VALUES (?, ?, 'f.csv', ?, ?, 'x', ?)", [name, f"b{n}", line + 2, f"{kind}: 'v{line}'", started])
        if checked:
            for severity, counted in {"warning": 0, "critical": 0, **(failed or {})}.items():
                conn.execute(
                    "INSERT INTO dq.validation_results (run_id, run_date, suite, table_name, expectation, severity, success, "
                    "unexpected_count, validated_at, stage, expectation_type) VALUES (?, ?, 'raw/rows', 'quarantine.rows', ?, ?, ?, ?, ?, "
                    "'raw', 'expect_column_values_to_be_between')",
                    [run_id, NIGHT.date(), f"quarantined_share_below_{severity}_bound", severity, counted == 0, counted, NIGHT])
        conn.execute("create schema if not exists marts")
        conn.execute("create or replace table marts.fct_example as select 1 as id")
    finally:
        conn.close()


def published_quarantine(published: Path) -> list[tuple]:
    reader = duckdb.connect(str(published / "lead_sla.duckdb"), read_only=True)
    try:
        return reader.execute(
            "select run_id, stream, rows_read, rows_quarantined, round(quarantined_share, 4), verdict, top_reasons "
            "from meta.quarantine order by stream").fetchall()
    finally:
        reader.close()


def test_the_nights_quarantine_is_published_per_stream_with_the_gates_verdict(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    # deals 10 of 100 (critical), contacts 3 of 100 (warning), users 2 of 10 (too few rows to judge), activities clean
    make_night(warehouse, batches=[("contacts", 100, 3), ("deals", 100, 10), ("users", 10, 2), ("activities", 400, 0)],
               failed={"warning": 2, "critical": 1})
    publish(warehouse, published, run_id="pub", run_date=date(2026, 3, 2))
    assert published_quarantine(published) == [
        ("night", "activities", 400, 0, 0.0, "ok", None),
        ("night", "contacts", 100, 3, 0.03, "warning",
         "unparseable timestamp in created_at (2); invalid e-mail in email (1)"),
        ("night", "deals", 100, 10, 0.1, "critical",
         "unparseable timestamp in created_at (5); not an integer in amount (3); invalid e-mail in email (2)"),
        ("night", "users", 10, 2, None, "not_judged", "not an integer in amount (1); unparseable timestamp in created_at (1)"),
    ]


def test_a_night_without_a_quarantine_check_says_so_and_a_warehouse_never_built_publishes_an_empty_table(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_warehouse(warehouse, 2)
    publish(warehouse, published, run_id="r1", run_date=date(2026, 3, 2))
    assert published_quarantine(published) == []
    make_night(warehouse, batches=[("contacts", 100, 1)], checked=False)
    publish(warehouse, published, run_id="r2", run_date=date(2026, 3, 3))
    assert [row[5] for row in published_quarantine(published)] == ["not_checked"]


def test_a_reader_keeps_the_quarantine_of_the_day_it_opened(tmp_path):
    warehouse, published = tmp_path / "w.duckdb", tmp_path / "published"
    make_night(warehouse, batches=[("contacts", 100, 3)], failed={"warning": 1})
    publish(warehouse, published, run_id="r1", run_date=date(2026, 3, 2))
    reader = duckdb.connect(str(published / "lead_sla.duckdb"), read_only=True)
    try:
        make_night(tmp_path / "w2.duckdb", run_id="next", batches=[("deals", 100, 0)])
        publish(tmp_path / "w2.duckdb", published, run_id="r2", run_date=date(2026, 3, 3))
        assert reader.execute("select stream, verdict from meta.quarantine").fetchall() == [("contacts", "warning")]
        assert reader.execute("select run_id from meta.publication").fetchone() == ("r1",)
    finally:
        reader.close()
    assert [(r[1], r[5]) for r in published_quarantine(published)] == [("deals", "ok")]
