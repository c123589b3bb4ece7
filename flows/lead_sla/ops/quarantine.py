"""What extraction set aside: quarantine counts per stream, and the rows with their reasons.

Extraction writes every row it could not load to ``quarantine.rows`` (stream, batch, source
location and line, reason, the record as read). These functions read it for ``lead-sla status``,
``lead-sla quarantine`` and the run summary; they work on a read-only connection, and a warehouse
that has never extracted anything simply has no quarantined rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import duckdb

from lead_sla.landing.raw import QUARANTINE_TABLE


@dataclass(frozen=True)
class StreamQuarantine:
    """Quarantined rows of one stream: all of them, those since a moment (e.g. the latest run), the last one's time."""

    stream: str
    rows: int
    rows_since: int
    last_at: datetime


@dataclass(frozen=True)
class QuarantinedRow:
    """One quarantined row: where it came from, why, and the record as it was read."""

    stream: str
    quarantined_at: datetime
    source: str
    source_line: int | None
    reason: str
    raw_text: str | None
    batch_id: str

    @property
    def location(self) -> str:
        """``file:line`` (or the API request), the place to look in the source."""
        return self.source if self.source_line is None else f"{self.source}:{self.source_line}"


def _has_quarantine(conn: duckdb.DuckDBPyConnection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'quarantine' AND table_name = 'rows'"
    ).fetchone()
    return bool(row and row[0])


def day_start_utc(day: date, zone: str) -> datetime:
    """The start of ``day`` in ``zone``, as naive UTC (the warehouse's timestamps)."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def counts_by_stream(conn: duckdb.DuckDBPyConnection, since: datetime | None = None) -> list[StreamQuarantine]:
    """Per stream with quarantined rows: how many, how many at or after ``since`` (naive UTC), the latest time."""
    if not _has_quarantine(conn):
        return []
    rows = conn.execute(
        f"""SELECT stream, count(*), count(*) FILTER (WHERE quarantined_at >= ?), max(quarantined_at)
            FROM {QUARANTINE_TABLE} GROUP BY stream ORDER BY stream""",
        [since or datetime.min],
    ).fetchall()
    return [StreamQuarantine(stream, int(n), int(n_since), last) for stream, n, n_since, last in rows]


def quarantined_rows(
    conn: duckdb.DuckDBPyConnection,
    *,
    streams: list[str] | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> tuple[list[QuarantinedRow], int]:
    """The quarantined rows (of ``streams``, at or after ``since``), newest first, at most ``limit``; and how many match."""
    if not _has_quarantine(conn):
        return [], 0
    where, params = ["quarantined_at >= ?"], [since or datetime.min]
    if streams:
        where.append(f"stream IN ({', '.join('?' for _ in streams)})")
        params.extend(streams)
    condition = " AND ".join(where)
    total = conn.execute(f"SELECT count(*) FROM {QUARANTINE_TABLE} WHERE {condition}", params).fetchone()
    found = conn.execute(
        f"""SELECT stream, quarantined_at, source, source_line, reason, raw_text, batch_id
            FROM {QUARANTINE_TABLE} WHERE {condition}
            ORDER BY quarantined_at DESC, stream, source, source_line
            {'LIMIT ?' if limit is not None else ''}""",
        [*params, *([limit] if limit is not None else [])],
    ).fetchall()
    return [QuarantinedRow(*row) for row in found], int(total[0]) if total else 0


def describe_counts(quarantined: dict[str, int], read: dict[str, int]) -> str:
    """One line for a run summary: ``contacts 2 of 140 rows (1.4%), deals 1 of 12 rows (8.3%)``, or ``none``."""
    parts = []
    for stream, rows in quarantined.items():
        if not rows:
            continue
        total = read.get(stream, 0)
        share = "" if not total else f" ({rows / total:.1%})" if rows / total >= 0.001 else " (<0.1%)"
        parts.append(f"{stream} {rows:,} of {total:,} rows{share}")
    return ", ".join(parts) if parts else "none"
