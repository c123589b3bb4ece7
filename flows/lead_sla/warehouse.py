"""Opening the DuckDB warehouse file.

DuckDB allows one writing process or many reading ones, never both: the pipeline holds the
only read-write connection while it runs; readers open the published copy instead.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (created with its folder when writing), UTC session zone."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}; run `lead-sla extract` or `lead-sla demo` first")
    conn = duckdb.connect(str(path), read_only=read_only)
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def schema_rows(path: Path, schema: str) -> int:
    """Total rows of the base tables in ``schema`` (0 when it has none)."""
    conn = connect(path)
    try:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
            [schema],
        ).fetchall()
        return sum(int(conn.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]) for (name,) in tables)
    finally:
        conn.close()
