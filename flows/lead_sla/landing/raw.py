"""DDL of the raw landing layer: one append-only table per stream, plus bookkeeping.

Raw tables hold every extracted version of every record as text (cleaned and mapped,
timestamps normalized to UTC), with the lineage metadata every raw table carries. Three bookkeeping
tables live beside them:

- ``raw._cursors``: per stream and source, the cursor value the next extraction starts from;
- ``raw._loaded_files``: per stream and mapping load, every source file already landed (path and
  content hash); ``load_key`` '' marks files landed before loads were told apart;
- ``raw._batches``: one row per extraction batch with its counts (read, loaded, duplicate,
  quarantined, and filtered out by a load's ``where``).

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


def _columns_of(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def _create_loaded_files(conn: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw._loaded_files`` keyed by load, or rebuild one from before loads were told apart.

    The old table's key (stream, path, sha256) allowed one load per file; its rows move over with
    ``load_key`` '' (which extraction counts for the first load that reads the file, as before).
    """
    ddl = f"""CREATE TABLE {RAW_SCHEMA}.{{table}} (
        stream VARCHAR NOT NULL, load_key VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        batch_id VARCHAR NOT NULL, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        loaded_at TIMESTAMP NOT NULL, size_bytes BIGINT, mtime_ns BIGINT, rows_filtered BIGINT,
        PRIMARY KEY (stream, load_key, path, sha256))"""
    existing = _columns_of(conn, RAW_SCHEMA, "_loaded_files")
    if not existing:
        conn.execute(ddl.format(table="_loaded_files"))
        return
    if "load_key" in existing:
        return
    kept = ", ".join(existing)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(ddl.format(table="_loaded_files_by_load"))
        conn.execute(
            f"INSERT INTO {RAW_SCHEMA}._loaded_files_by_load ({kept}, load_key) "
            f"SELECT {kept}, '' FROM {RAW_SCHEMA}._loaded_files"
        )
        conn.execute(f"DROP TABLE {RAW_SCHEMA}._loaded_files")
        conn.execute(f"ALTER TABLE {RAW_SCHEMA}._loaded_files_by_load RENAME TO _loaded_files")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, bookkeeping and quarantine tables if they are missing (idempotent)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    conn.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    for stream in STREAMS:
        source_cols = ", ".join(f'"{name}" VARCHAR' for name in stream.column_names)
        meta_cols = ", ".join(f"{name} {sql_type}" for name, sql_type in RAW_METADATA_COLUMNS)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(stream)} ({source_cols}, {meta_cols})")
        # a contract column added since the table was created (raw.users.subdivision, say): old rows null
        for name in stream.column_names:
            conn.execute(f'ALTER TABLE {raw_table(stream)} ADD COLUMN IF NOT EXISTS "{name}" VARCHAR')
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._cursors (
            stream VARCHAR NOT NULL, source VARCHAR NOT NULL, cursor_value VARCHAR,
            batch_id VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (stream, source))"""
    )
    _create_loaded_files(conn)
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._batches (
            batch_id VARCHAR PRIMARY KEY, stream VARCHAR NOT NULL, source VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
            rows_read BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
            cursor_before VARCHAR, cursor_after VARCHAR, rows_filtered BIGINT)"""
    )
    # Rows a load's `where` skipped; tables from before the count existed get the column (NULL).
    conn.execute(f"ALTER TABLE {RAW_SCHEMA}._batches ADD COLUMN IF NOT EXISTS rows_filtered BIGINT")
    conn.execute(f"ALTER TABLE {RAW_SCHEMA}._loaded_files ADD COLUMN IF NOT EXISTS rows_filtered BIGINT")
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
            stream VARCHAR NOT NULL, batch_id VARCHAR NOT NULL, source VARCHAR NOT NULL,
            source_line BIGINT, reason VARCHAR NOT NULL, raw_text VARCHAR, quarantined_at TIMESTAMP NOT NULL,
            raw_bytes_base64 VARCHAR)"""
    )
    # Warehouses created before the column existed get it (their rows keep NULL).
    conn.execute(f"ALTER TABLE {QUARANTINE_TABLE} ADD COLUMN IF NOT EXISTS raw_bytes_base64 VARCHAR")
