"""The run log in the warehouse: ``ops.runs`` (one row per run) and ``ops.run_stages``.

Every write is its own short transaction on a fresh connection, so the log survives a run
that dies in a later stage, and it never holds the warehouse while dbt writes to it.

Each run records the day it was asked for (``run_date``) and the day it built the warehouse as of
(``as_of_date``): a replay of a past day rebuilds the warehouse as of its latest day, never back
in time. :func:`built_day` is that latest day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from lead_sla.warehouse import connect

RUNS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.runs (
    run_id VARCHAR PRIMARY KEY, flow VARCHAR NOT NULL, run_date DATE NOT NULL,
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL,
    error VARCHAR, prefect_flow_run_id VARCHAR
);
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS as_of_date DATE;
CREATE TABLE IF NOT EXISTS ops.run_stages (
    run_id VARCHAR NOT NULL, run_date DATE NOT NULL, stage VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL,
    rows_in BIGINT, rows_out BIGINT, error VARCHAR,
    PRIMARY KEY (run_id, stage)
);
"""


def utc_now() -> datetime:
    """Naive UTC now, the warehouse's timestamp convention."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_run_id(run_date: date) -> str:
    """A unique run id that sorts by day, then start time."""
    return f"{run_date.isoformat()}-{utc_now().strftime('%H%M%S')}-{uuid.uuid4().hex[:6]}"


@dataclass
class StageCounts:
    """Rows a stage read and wrote; a stage fills these in as it goes."""

    rows_in: int | None = None
    rows_out: int | None = None


@dataclass
class RunLog:
    """Writes one run's rows into ``ops.runs`` and ``ops.run_stages`` of the warehouse at ``path``."""

    path: Path
    run_id: str
    run_date: date
    flow: str
    prefect_flow_run_id: str | None = None
    as_of_date: date | None = None
    stages: list[str] = field(default_factory=list)

    def _execute(self, sql: str, params: list[object]) -> None:
        conn = connect(self.path)
        try:
            conn.execute(RUNS_DDL)
            conn.execute(sql, params)
        finally:
            conn.close()

    def start(self) -> None:
        """Open this run's row. Runs still marked running are dead: the caller holds the run lock."""
        conn = connect(self.path)
        try:
            conn.execute(RUNS_DDL)
            conn.execute(
                "UPDATE ops.runs SET status = 'abandoned', finished_at = ?, "
                "error = 'the process ended without finishing (killed or crashed)' WHERE status = 'running'",
                [utc_now()],
            )
            conn.execute("UPDATE ops.run_stages SET status = 'abandoned' WHERE status = 'running'")
        finally:
            conn.close()
        self._execute(
            "INSERT INTO ops.runs (run_id, flow, run_date, started_at, finished_at, status, error, "
            "prefect_flow_run_id, as_of_date) VALUES (?, ?, ?, ?, NULL, 'running', NULL, ?, ?)",
            [self.run_id, self.flow, self.run_date, utc_now(), self.prefect_flow_run_id, self.as_of_date],
        )

    def finish(self, status: str, error: str | None = None) -> None:
        self._execute(
            "UPDATE ops.runs SET finished_at = ?, status = ?, error = ? WHERE run_id = ?",
            [utc_now(), status, error, self.run_id],
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[StageCounts]:
        """Record a stage: 'running' at start, then 'success' or 'failed' with the error."""
        from lead_sla.ops.lock import note_progress  # the lock module uses this one's clock

        counts = StageCounts()
        self.stages.append(name)
        note_progress(self.path, stage=name)
        self._execute(
            "INSERT OR REPLACE INTO ops.run_stages VALUES (?, ?, ?, ?, NULL, 'running', NULL, NULL, NULL)",
            [self.run_id, self.run_date, name, utc_now()],
        )
        try:
            yield counts
        except BaseException as exc:
            self._execute(
                "UPDATE ops.run_stages SET finished_at = ?, status = 'failed', rows_in = ?, rows_out = ?, error = ? "
                "WHERE run_id = ? AND stage = ?",
                [utc_now(), counts.rows_in, counts.rows_out, f"{type(exc).__name__}: {exc}"[:4000], self.run_id, name],
            )
            raise
        self._execute(
            "UPDATE ops.run_stages SET finished_at = ?, status = 'success', rows_in = ?, rows_out = ? "
            "WHERE run_id = ? AND stage = ?",
            [utc_now(), counts.rows_in, counts.rows_out, self.run_id, name],
        )


def successful_days(path: Path) -> set[date]:
    """Days whose latest run succeeded (a backfill skips them unless forced)."""
    if not path.exists():
        return set()
    conn = connect(path)
    try:
        conn.execute(RUNS_DDL)
        rows = conn.execute(
            """SELECT run_date FROM ops.runs
               QUALIFY row_number() OVER (PARTITION BY run_date ORDER BY started_at DESC) = 1
               AND status = 'success'"""
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


def built_day(path: Path) -> date | None:
    """The day the warehouse holds: the latest day a successful run built it as of, if any.

    A run asked for an earlier day builds as of this day (it replays the earlier day inside it),
    so the warehouse never goes back in time.
    """
    if not path.exists():
        return None
    conn = connect(path)
    try:
        conn.execute(RUNS_DDL)
        row = conn.execute(
            "SELECT max(coalesce(as_of_date, run_date)) FROM ops.runs WHERE status = 'success'"
        ).fetchone()
    finally:
        conn.close()
    return None if row is None else row[0]


def recent_runs(conn: duckdb.DuckDBPyConnection, limit: int = 10) -> list[tuple]:
    """The latest runs with their failed stage and the day they built as of, newest first (``lead-sla status``).

    Works on a read-only connection: a warehouse that has no run log yet has no runs.
    """
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = 'runs'"
    ).fetchone()
    if not exists or exists[0] == 0:
        return []
    return conn.execute(
        """SELECT r.run_id, r.flow, r.run_date, r.started_at, r.finished_at, r.status,
                  (SELECT string_agg(s.stage, ', ') FROM ops.run_stages s
                   WHERE s.run_id = r.run_id AND s.status = 'failed') AS failed_stage,
                  r.error, coalesce(r.as_of_date, r.run_date) AS as_of_date
           FROM ops.runs r ORDER BY r.started_at DESC LIMIT ?""",
        [limit],
    ).fetchall()


# Stages after which a failed run leaves the warehouse's marts or scores as no check passed them.
UNCHECKED_AFTER = ("build", "validate", "score", "validate-scores")


def unchecked_tables(path: Path) -> tuple[str, date, str] | None:
    """(run id, day, stage) when the latest run that began a build did not succeed (it failed at the
    build, a gate or scoring, or was killed): the marts (or scores) in the warehouse are then that
    run's, which its checks refused or never saw, not those of :func:`built_day`. A later run that
    failed before building (at extract, say) does not make them good again. None when the tables are
    those of a good run."""
    if not path.exists():
        return None
    conn = connect(path)
    try:
        conn.execute(RUNS_DDL)
        row = conn.execute(
            """SELECT r.run_id, r.run_date, r.status,
                      (SELECT string_agg(s.stage, ', ' ORDER BY s.started_at) FROM ops.run_stages s
                       WHERE s.run_id = r.run_id AND s.status <> 'success') AS stopped_at
               FROM ops.runs r
               WHERE EXISTS (SELECT 1 FROM ops.run_stages s WHERE s.run_id = r.run_id AND s.stage = 'build')
               ORDER BY r.started_at DESC LIMIT 1"""
        ).fetchone()
    finally:
        conn.close()
    if row is None or row[2] == "success":
        return None
    stopped = [stage for stage in (row[3] or "").split(", ") if stage in UNCHECKED_AFTER]
    return row[0], row[1], stopped[0] if stopped else (row[3] or row[2])
