"""DuckDB to pandas through Arrow, in bounded chunks.

Great Expectations validates pandas DataFrames here, never DuckDB through SQLAlchemy: GE's SQL
execution engine over ``duckdb_engine`` gets no rows back when it resolves its bundled metric
query, so every expectation ends with ``IndexError: list index out of range`` and no observed
value (github.com/fivetran/great_expectations issues 10738 and 11579). Reading through Arrow keeps memory bounded:
a table is streamed as record batches of ``rows_per_batch`` rows, each converted to pandas and
validated on its own, and the per-chunk results are added up by the engine.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pyarrow as pa

DEFAULT_ROWS_PER_BATCH = 250_000


def quote(identifier: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def _arrow_to_pandas(data: pa.RecordBatch | pa.Table) -> pd.DataFrame:
    """Convert to pandas; decimals become floats (exact enough to compare against bounds, and fast)."""
    schema = data.schema
    if any(pa.types.is_decimal(field.type) for field in schema):
        fields = [
            pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in schema
        ]
        data = data.cast(pa.schema(fields))
    return data.to_pandas()


def relation_exists(conn: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    """Whether ``schema.name`` is a table or view of the connected database."""
    schema, name = qualified_name.split(".", 1)
    rows = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(rows[0][0])


def relation_columns(conn: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """Column names a query returns, without running it over the data."""
    return list(conn.sql(f"SELECT * FROM ({sql}) AS _q LIMIT 0").columns)


def count_rows(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM ({sql}) AS _q").fetchall()[0][0])


def empty_frame(conn: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The query's columns (with their types) and no rows."""
    return _arrow_to_pandas(conn.sql(f"SELECT * FROM ({sql}) AS _q LIMIT 0").to_arrow_table())


def whole_frame(conn: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The query's full result as one DataFrame (derived inputs and narrow column sets only)."""
    return _arrow_to_pandas(conn.sql(sql).to_arrow_table())


def iter_frames(
    conn: duckdb.DuckDBPyConnection, sql: str, rows_per_batch: int = DEFAULT_ROWS_PER_BATCH
) -> Iterator[pd.DataFrame]:
    """The query's result in chunks of at most ``rows_per_batch`` rows (at least one, maybe empty).

    The reader holds the connection's pending result: run no other statement on ``conn`` until
    the iterator is exhausted.
    """
    reader = conn.sql(sql).to_arrow_reader(rows_per_batch)
    try:
        # DuckDB hands out batches cut at its row groups, not at rows_per_batch: re-cut them into
        # chunks of exactly rows_per_batch rows (zero-copy slices), since every chunk costs a fixed
        # GE overhead.
        pending = reader.schema.empty_table()
        produced = False
        for batch in reader:
            if batch.num_rows == 0:
                continue
            pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
            while pending.num_rows >= rows_per_batch:
                produced = True
                yield _arrow_to_pandas(pending.slice(0, rows_per_batch))
                pending = pending.slice(rows_per_batch)
        if pending.num_rows or not produced:
            yield _arrow_to_pandas(pending)
    finally:
        reader.close()  # an abandoned reader would keep the connection busy
