"""Opening the DuckDB warehouse file.

DuckDB allows one writing process or many reading ones, never both: the pipeline holds the
only read-write connection while it runs; readers open the published copy instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from lead_sla.settings import Settings


def connect(path: Path, *, read_only: bool = False, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (created with its folder when writing), UTC session zone.

    ``memory_limit`` (DuckDB syntax: ``"6GB"``, ``"80%"``) caps DuckDB's buffer memory; beyond it,
    large joins, sorts and aggregates spill to ``<warehouse>.tmp/``. None keeps DuckDB's default
    (80% of the machine's RAM).
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}; run `lead-sla extract` or `lead-sla demo` first")
    conn = duckdb.connect(str(path), read_only=read_only)
    conn.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        conn.execute(f"SET memory_limit = '{memory_limit}'")  # validated by Settings
    return conn


def open_warehouse(settings: "Settings", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The pipeline's warehouse, with the settings' memory limit (for stages that do heavy work)."""
    return connect(settings.warehouse, read_only=read_only, memory_limit=settings.duckdb_memory_limit)


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
