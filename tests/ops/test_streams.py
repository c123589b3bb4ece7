"""``ops.night_streams``: which streams a build had, counted once from staging, replaced at every build."""

from __future__ import annotations

import duckdb
import pytest

from lead_sla.ops.streams import (
    NIGHT_STREAMS_TABLE,
    absent_streams,
    read_night_streams,
    record_night_streams,
    staging_relation,
)
from lead_sla.sources.streams import STREAMS

ALL = sorted(s.name for s in STREAMS)


def _staging(conn: duckdb.DuckDBPyConnection, rows: dict[str, int]) -> None:
    """A staging model per stream, holding ``rows[stream]`` rows (none for the others)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS staging")
    for stream in STREAMS:
        conn.execute(f"CREATE OR REPLACE TABLE {staging_relation(stream)} AS SELECT range AS i FROM range(?)",
                     [rows.get(stream.name, 0)])


def test_a_build_records_which_streams_hold_data() -> None:
    conn = duckdb.connect()
    _staging(conn, {"contacts": 3, "lifecycle_changes": 5, "deals": 1})

    record_night_streams(conn)

    recorded = {s.stream: s for s in read_night_streams(conn) or []}
    assert sorted(recorded) == ALL
    assert (recorded["contacts"].rows_known, recorded["contacts"].is_required) == (3, True)
    assert (recorded["deals"].rows_known, recorded["deals"].is_required, recorded["deals"].has_data) == (1, False, True)
    assert recorded["activities"].has_data is False
    assert absent_streams(read_night_streams(conn)) == frozenset(ALL) - {"contacts", "lifecycle_changes", "deals"}
    stored = conn.execute(f"SELECT stream FROM {NIGHT_STREAMS_TABLE} WHERE has_data ORDER BY stream").fetchall()
    assert stored == [("contacts",), ("deals",), ("lifecycle_changes",)]


def test_the_record_describes_the_latest_build_only() -> None:
    conn = duckdb.connect()
    _staging(conn, {"contacts": 3, "lifecycle_changes": 5, "activities": 2})
    record_night_streams(conn)
    _staging(conn, {"contacts": 4, "lifecycle_changes": 6})  # a rebuild whose mapping dropped activities

    record_night_streams(conn)

    assert conn.execute(f"SELECT count(*) FROM {NIGHT_STREAMS_TABLE}").fetchone() == (len(STREAMS),)
    assert "activities" in absent_streams(read_night_streams(conn))


def test_a_warehouse_without_the_record_knows_no_stream_absent() -> None:
    conn = duckdb.connect()
    assert read_night_streams(conn) is None
    assert absent_streams(None) == frozenset()


def test_recording_before_a_build_names_the_missing_staging_model() -> None:
    conn = duckdb.connect()
    with pytest.raises(LookupError, match=r"staging\.stg_marketing__campaigns does not exist"):
        record_night_streams(conn)
