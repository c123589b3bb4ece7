"""What extraction set aside: quarantine counts per stream, and the rows with their reasons.

Extraction writes every row it could not load to ``quarantine.rows`` (stream, batch, source
location and line, reason, the record as read). These functions read it for ``lead-sla status``,
``lead-sla quarantine`` and the run summary; they work on a read-only connection, and a warehouse
that has never extracted anything simply has no quarantined rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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


# ---------------------------------------------------------------------------------------------
# The night's quarantine, as published for readers (``meta.quarantine`` of the published copy)

QUARANTINE_SUITE = ("raw", "rows.yml")  # under the expectations folder: the gate's own share of the night
QUARANTINE_INPUT = "night_quarantine"
TOP_REASONS = 3
VERDICTS = ("ok", "warning", "critical", "not_judged", "not_checked")


@dataclass(frozen=True)
class NightQuarantine:
    """One stream the night extracted: rows read (less those a load filters out on purpose), rows
    quarantined, their share (None below the suite's minimum of rows), the data-quality verdict and
    the commonest reasons (``unparseable timestamp in created_at (3); invalid e-mail in email (1)``)."""

    run_id: str
    stream: str
    rows_read: int
    rows_quarantined: int
    quarantined_share: float | None
    verdict: str
    top_reasons: str | None


def _has(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchone()
    return bool(row and row[0])


def night_run(conn: duckdb.DuckDBPyConnection) -> tuple[str, datetime] | None:
    """(run id, start) of the night whose marts the warehouse holds: the latest run that began a build
    (``ops.run_stages``), or None when no run has built yet."""
    if not (_has(conn, "ops", "runs") and _has(conn, "ops", "run_stages")):
        return None
    row = conn.execute(
        """SELECT r.run_id, r.started_at FROM ops.runs r
           WHERE EXISTS (SELECT 1 FROM ops.run_stages s WHERE s.run_id = r.run_id AND s.stage = 'build')
           ORDER BY r.started_at DESC LIMIT 1"""
    ).fetchone()
    return None if row is None else (str(row[0]), row[1])


def night_quarantine(conn: duckdb.DuckDBPyConnection, expectations_dir: Path) -> list[NightQuarantine]:
    """Per stream the night extracted (see :func:`night_run`), its quarantine and verdict.

    Rows read, quarantined and the share are the data-quality gate's own (the ``night_quarantine``
    input of ``expectations/raw/rows.yml``, over the batches landed since the run started); the
    verdict is what the gate decided for that run (``dq.validation_results``): a failed bound's
    severity for the streams above it (a failed expectation counts them: they are the streams with
    the highest shares), ``not_judged`` below the suite's minimum of rows, ``not_checked`` when the
    run recorded no quarantine check, else ``ok``.
    """
    from lead_sla.quality.suites import load_suite, substitute_sql

    night = night_run(conn)
    if night is None or not _has(conn, "raw", "_batches"):
        return []
    run_id, started_at = night
    suite = load_suite(expectations_dir.joinpath(*QUARANTINE_SUITE))
    sql = substitute_sql(suite.spec.inputs[QUARANTINE_INPUT], {**suite.spec.params, "run_started_at": started_at},
                         f"{suite.path}: inputs.{QUARANTINE_INPUT}")
    found = conn.execute(f"SELECT stream, rows_read, rows_quarantined, quarantined_share FROM ({sql})").fetchall()
    verdicts = _verdicts(conn, run_id, suite.spec.table, {str(s): share for s, _, _, share in found})
    reasons = _top_reasons(conn, started_at) if _has_quarantine(conn) else {}
    return [
        NightQuarantine(run_id, str(stream), int(read or 0), int(quarantined or 0),
                        None if share is None else float(share), verdicts[str(stream)], reasons.get(str(stream)))
        for stream, read, quarantined, share in sorted(found, key=lambda r: str(r[0]))
    ]


def _verdicts(conn: duckdb.DuckDBPyConnection, run_id: str, table: str,
              shares: dict[str, float | None]) -> dict[str, str]:
    results: list[tuple[str, bool | None, int | None]] = []
    if _has(conn, "dq", "validation_results"):
        results = conn.execute(
            "SELECT severity, success, unexpected_count FROM dq.validation_results WHERE run_id = ? AND table_name = ?",
            [run_id, table],
        ).fetchall()
    judged = sorted((s for s, share in shares.items() if share is not None), key=lambda s: -(shares[s] or 0.0))
    verdict = {s: ("ok" if results else "not_checked") if shares[s] is not None else "not_judged" for s in shares}
    for severity in ("warning", "critical"):  # critical last: it wins over a warning
        for sev, success, unexpected in results:
            if sev == severity and success is False:
                for stream in judged[: int(unexpected or 0)]:
                    verdict[stream] = severity
    return verdict


def _top_reasons(conn: duckdb.DuckDBPyConnection, since: datetime) -> dict[str, str]:
    """The commonest kinds of reason per stream among the rows quarantined by the night's batches
    (a reason's kind is its text before the value it quotes)."""
    rows = conn.execute(
        f"""WITH night AS (
                SELECT q.stream, split_part(q.reason, ': ', 1) AS kind
                FROM {QUARANTINE_TABLE} q
                WHERE q.batch_id IN (SELECT batch_id FROM raw._batches WHERE started_at >= ?)
            ), counted AS (
                SELECT stream, kind, count(*) AS n FROM night GROUP BY ALL
            )
            SELECT stream, string_agg(kind || ' (' || n || ')', '; ' ORDER BY n DESC, kind)
            FROM (SELECT *, row_number() OVER (PARTITION BY stream ORDER BY n DESC, kind) AS rank FROM counted)
            WHERE rank <= ? GROUP BY stream""",
        [since, TOP_REASONS],
    ).fetchall()
    return {str(stream): str(text) for stream, text in rows}
