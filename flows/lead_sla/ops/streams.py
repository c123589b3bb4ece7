"""Which source streams the night had: ``ops.night_streams``, written once after each build.

Only contacts and lifecycle changes are required (a lead and a handoff); every other stream is
optional, and a company without, say, an activities export still gets every mart, with the numbers
that stream feeds left empty. So that nobody mistakes "no export" for "nothing happened", each build
records per stream how many record versions the warehouse holds as of the build day: the rows of
the stream's staging model, which already keeps only what was known by then. The data-quality gate
skips the checks that need an absent stream (recorded as skipped, never as passed or failed), the
publisher copies the table into the published copy as ``meta.streams``, and the report hides the
sections an absent stream would leave empty, with a one-line note saying why.

The table is replaced whole at every build, so it always describes the day the warehouse holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lead_sla.sources.check import REQUIRED_STREAMS
from lead_sla.sources.streams import STREAMS, Stream

NIGHT_STREAMS_TABLE = "ops.night_streams"
NIGHT_STREAMS_DDL = (
    "CREATE SCHEMA IF NOT EXISTS ops; "
    f"CREATE TABLE IF NOT EXISTS {NIGHT_STREAMS_TABLE} (stream VARCHAR NOT NULL, system VARCHAR NOT NULL, "
    "is_required BOOLEAN NOT NULL, rows_known BIGINT NOT NULL, has_data BOOLEAN NOT NULL)"
)


@dataclass(frozen=True)
class NightStream:
    """One stream of the night: its record versions known as of the build day."""

    stream: str
    system: str
    is_required: bool
    rows_known: int

    @property
    def has_data(self) -> bool:
        return self.rows_known > 0


def staging_relation(stream: Stream) -> str:
    """The staging model that reads ``stream`` (``staging.stg_<system>__<stream>``)."""
    return f"staging.stg_{stream.system}__{stream.name}"


def _relation_exists(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchone()
    return bool(row and row[0])


def count_night_streams(conn: duckdb.DuckDBPyConnection) -> list[NightStream]:
    """Every stream of the contract with the rows its staging model holds (after a build).

    Raises ``LookupError`` naming the staging model when one is missing: the build did not run.
    """
    found = []
    for stream in STREAMS:
        relation = staging_relation(stream)
        schema, name = relation.split(".", 1)
        if not _relation_exists(conn, schema, name):
            raise LookupError(f"{relation} does not exist: build the warehouse before recording its streams")
        row = conn.execute(f"SELECT count(*) FROM {relation}").fetchone()
        found.append(NightStream(stream.name, stream.system, stream.name in REQUIRED_STREAMS, int(row[0]) if row else 0))
    return found


def record_night_streams(conn: duckdb.DuckDBPyConnection) -> list[NightStream]:
    """Count the streams of the build just made and replace ``ops.night_streams`` with them."""
    streams = count_night_streams(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(NIGHT_STREAMS_DDL)
        conn.execute(f"DELETE FROM {NIGHT_STREAMS_TABLE}")
        conn.executemany(
            f"INSERT INTO {NIGHT_STREAMS_TABLE} VALUES (?, ?, ?, ?, ?)",
            [(s.stream, s.system, s.is_required, s.rows_known, s.has_data) for s in streams],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return streams


def read_night_streams(conn: duckdb.DuckDBPyConnection, table: str = NIGHT_STREAMS_TABLE) -> list[NightStream] | None:
    """The streams as recorded in ``table`` (``meta.streams`` in a published copy), or None when the
    warehouse (or copy) predates the record: then no stream is known to be absent."""
    schema, name = table.split(".", 1)
    if not _relation_exists(conn, schema, name):
        return None
    rows = conn.execute(f"SELECT stream, system, is_required, rows_known FROM {table} ORDER BY stream").fetchall()
    return [NightStream(str(r[0]), str(r[1]), bool(r[2]), int(r[3])) for r in rows]


def absent_streams(streams: list[NightStream] | None) -> frozenset[str]:
    """The streams that hold no data (none when nothing was recorded)."""
    return frozenset(s.stream for s in streams or [] if not s.has_data)
