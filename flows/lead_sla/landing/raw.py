"""DDL of the raw landing layer: one append-only table per stream, plus bookkeeping.

Raw tables hold every extracted version of every record as text (cleaned and mapped,
timestamps normalized to UTC), with the metadata of SPEC section 4. Three bookkeeping
tables live beside them:

- ``raw._cursors``: per stream and source, the cursor value the next extraction starts from;
- ``raw._loaded_files``: per stream, every source file already landed (path and content hash);
- ``raw._batches``: one row per extraction batch with its counts.

Quarantine lives in ``quarantine.rows``: what could not be loaded, with the reason, the record as
it was read (``raw_text``) and, for a record whose bytes could not be decoded, those bytes
(``raw_bytes_base64``).
"""

from __future__ import annotations

import duckdb

from lead_sla.sources.streams import RAW_METADATA_COLUMNS, STREAMS, Stream

RAW_SCHEMA = "raw"
QUARANTINE_TABLE = "quarantine.rows"


def raw_table(stream: Stream) -> str:
    """Qualified name of the raw table of ``stream``."""
    return f"{RAW_SCHEMA}.{stream.name}"


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, bookkeeping and quarantine tables if they are missing (idempotent)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    conn.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    for stream in STREAMS:
        source_cols = ", ".join(f'"{name}" VARCHAR' for name in stream.column_names)
        meta_cols = ", ".join(f"{name} {sql_type}" for name, sql_type in RAW_METADATA_COLUMNS)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(stream)} ({source_cols}, {meta_cols})")
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._cursors (
            stream VARCHAR NOT NULL, source VARCHAR NOT NULL, cursor_value VARCHAR,
            batch_id VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (stream, source))"""
    )
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._loaded_files (
            stream VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
            batch_id VARCHAR NOT NULL, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
            loaded_at TIMESTAMP NOT NULL, size_bytes BIGINT, mtime_ns BIGINT,
            PRIMARY KEY (stream, path, sha256))"""
    )
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._batches (
            batch_id VARCHAR PRIMARY KEY, stream VARCHAR NOT NULL, source VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
            rows_read BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
            cursor_before VARCHAR, cursor_after VARCHAR)"""
    )
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
            stream VARCHAR NOT NULL, batch_id VARCHAR NOT NULL, source VARCHAR NOT NULL,
            source_line BIGINT, reason VARCHAR NOT NULL, raw_text VARCHAR, quarantined_at TIMESTAMP NOT NULL,
            raw_bytes_base64 VARCHAR)"""
    )
    # Warehouses created before the column existed get it (their rows keep NULL).
    conn.execute(f"ALTER TABLE {QUARANTINE_TABLE} ADD COLUMN IF NOT EXISTS raw_bytes_base64 VARCHAR")
