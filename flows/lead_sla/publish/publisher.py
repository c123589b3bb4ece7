"""Publishing: a read-only copy of the marts (and the day's lead lists) for readers.

The running pipeline holds the only write connection to the warehouse; readers open the
published copy instead, under ``warehouse/published/``:

- ``lead_sla.duckdb``: the published schemas, written to a temporary file and swapped in with
  an atomic rename. A reader that keeps the old file open goes on reading the old, complete
  day (the rename does not touch an open file) and never blocks the next night.
- ``parquet/current/<schema>/<table>.parquet``: the same tables as Parquet. Each publication
  writes a new version folder and then atomically repoints the ``current`` link; the previous
  version is kept for readers still in it, older ones are removed.
- ``meta.publication`` (the day and run) and ``meta.quarantine`` (the night's quarantine per stream:
  rows read and quarantined, share, the data-quality verdict, the commonest reasons) and ``meta.streams``
  (which source streams the day had data for, so that readers can tell "no export" from "nothing
  happened") in the same file.
- ``manifest.json``: what was published, for which day and run, with row counts; the same counts
  go into the warehouse's ``ops.publications``, the baseline the next night's checks compare with.

A day older than the one already published is not published over it (a replay of a past
day rebuilds that day's history, but readers keep the newest day) unless forced.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb

from lead_sla.ops.runlog import utc_now
from lead_sla.quality.suites import PUBLICATIONS, PUBLICATIONS_DDL
from lead_sla.settings import find_project_root
from lead_sla.warehouse import connect

PUBLISHED_SCHEMAS = ("marts", "scoring")
DATABASE_NAME = "lead_sla.duckdb"
KEEP_PARQUET_VERSIONS = 2


@dataclass(frozen=True)
class PublishResult:
    """What a publication wrote, or why it was skipped."""

    run_id: str
    run_date: str
    published: bool
    reason: str
    database: str
    parquet_dir: str
    tables: dict[str, int]


def _tables(conn: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    marks = ", ".join("?" for _ in schemas)
    return conn.execute(
        f"""SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() AND table_schema IN ({marks}) AND table_type = 'BASE TABLE'
            ORDER BY 1, 2""",
        list(schemas),
    ).fetchall()


def read_manifest(published_dir: Path) -> dict | None:
    """The current publication's manifest, or None when nothing was published yet."""
    path = published_dir / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def published_day(published_dir: Path) -> date | None:
    """The day readers see now, or None when nothing was published yet."""
    manifest = read_manifest(published_dir)
    return None if manifest is None else date.fromisoformat(manifest["run_date"])


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _atomic_symlink(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def publish(
    warehouse: Path,
    published_dir: Path,
    *,
    run_id: str,
    run_date: date,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    force: bool = False,
    memory_limit: str | None = None,
    expectations_dir: Path | None = None,
) -> PublishResult:
    """Publish the warehouse's ``schemas`` for ``run_date`` (see the module docstring).

    The copy also carries ``meta.quarantine``, the night's quarantine per stream with the
    data-quality gate's verdict (``expectations_dir``: the suites, by default the project's).
    """
    published_dir.mkdir(parents=True, exist_ok=True)
    database = published_dir / DATABASE_NAME
    parquet_root = published_dir / "parquet"
    current = read_manifest(published_dir)
    if current and not force and date.fromisoformat(current["run_date"]) > run_date:
        return PublishResult(
            run_id, run_date.isoformat(), False,
            f"{current['run_date']} is already published and is newer than {run_date}; use --force-publish to publish an older day",
            str(database), str(parquet_root / "current"), {},
        )

    tmp_db = published_dir / f".{DATABASE_NAME}.{run_id}.tmp"
    tmp_db.unlink(missing_ok=True)
    version_dir = parquet_root / "versions" / run_id
    if version_dir.exists():
        shutil.rmtree(version_dir)
    version_dir.mkdir(parents=True)

    counts: dict[str, int] = {}
    conn = connect(warehouse, memory_limit=memory_limit)
    try:
        conn.execute(f"ATTACH '{tmp_db}' AS pub")
        for schema, table in _tables(conn, schemas):
            name = f"{schema}.{table}"
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
            conn.execute(f"CREATE TABLE pub.{schema}.{table} AS SELECT * FROM {schema}.{table}")
            (version_dir / schema).mkdir(exist_ok=True)
            conn.execute(f"COPY {schema}.{table} TO '{version_dir / schema / table}.parquet' (FORMAT parquet)")
            row = conn.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()
            counts[name] = int(row[0]) if row else 0
        conn.execute("CREATE SCHEMA IF NOT EXISTS pub.meta")
        conn.execute(
            "CREATE TABLE pub.meta.publication AS SELECT ? AS run_id, CAST(? AS DATE) AS run_date, ? AS published_at",
            [run_id, run_date, utc_now()],
        )
        _publish_quarantine(conn, expectations_dir or find_project_root() / "expectations")
        _publish_streams(conn)
        conn.execute("DETACH pub")
    finally:
        conn.close()

    os.replace(tmp_db, database)
    _atomic_symlink(parquet_root / "current", f"versions/{run_id}")
    _record_publication(warehouse, run_id, run_date, counts, memory_limit)
    result = PublishResult(run_id, run_date.isoformat(), True, "published", str(database),
                           str(parquet_root / "current"), counts)
    _atomic_write(published_dir / "manifest.json", json.dumps({**asdict(result), "published_at": utc_now().isoformat()}, indent=2))
    _prune_versions(parquet_root / "versions", keep=run_id)
    return result


QUARANTINE_DDL = """CREATE TABLE pub.meta.quarantine (
    run_id VARCHAR NOT NULL, stream VARCHAR NOT NULL, rows_read BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
    quarantined_share DOUBLE, verdict VARCHAR NOT NULL, top_reasons VARCHAR)"""


def _publish_quarantine(conn: duckdb.DuckDBPyConnection, expectations_dir: Path) -> None:
    """``meta.quarantine`` in the copy being written: the night's quarantine per stream (readers
    such as the report see only the published copy). Empty when no run has built the warehouse."""
    from lead_sla.ops.quarantine import night_quarantine

    rows = night_quarantine(conn, expectations_dir)
    conn.execute(QUARANTINE_DDL)
    if rows:
        conn.executemany("INSERT INTO pub.meta.quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(r.run_id, r.stream, r.rows_read, r.rows_quarantined, r.quarantined_share, r.verdict,
                           r.top_reasons) for r in rows])


STREAMS_DDL = """CREATE TABLE pub.meta.streams (
    stream VARCHAR NOT NULL, system VARCHAR NOT NULL, is_required BOOLEAN NOT NULL, rows_known BIGINT NOT NULL,
    has_data BOOLEAN NOT NULL)"""


def _publish_streams(conn: duckdb.DuckDBPyConnection) -> None:
    """``meta.streams`` in the copy being written: which source streams the published day had
    (``ops.night_streams``, recorded by the build). Empty when the warehouse predates that record."""
    from lead_sla.ops.streams import read_night_streams

    conn.execute(STREAMS_DDL)
    streams = read_night_streams(conn) or []
    if streams:
        conn.executemany("INSERT INTO pub.meta.streams VALUES (?, ?, ?, ?, ?)",
                         [(s.stream, s.system, s.is_required, s.rows_known, s.has_data) for s in streams])


def _record_publication(warehouse: Path, run_id: str, run_date: date, counts: dict[str, int],
                        memory_limit: str | None) -> None:
    """Row counts of what readers now see, in ``ops.publications``: the next night's baseline."""
    conn = connect(warehouse, memory_limit=memory_limit)
    try:
        conn.execute(PUBLICATIONS_DDL)
        published_at = utc_now()
        conn.executemany(
            f"INSERT INTO {PUBLICATIONS} VALUES (?, ?, ?, ?, ?)",
            [(run_id, run_date, published_at, name, rows) for name, rows in counts.items()],
        )
    finally:
        conn.close()


def _prune_versions(versions: Path, keep: str) -> None:
    """Keep the newest versions (by modification time) including ``keep``; remove the rest."""
    folders = sorted((p for p in versions.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = [p for p in folders if p.name == keep] + [p for p in folders if p.name != keep][: KEEP_PARQUET_VERSIONS - 1]
    for folder in folders:
        if folder not in kept:
            shutil.rmtree(folder, ignore_errors=True)
