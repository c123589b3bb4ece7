"""Incremental extraction of one stream into the raw layer, from files or from the CRM API.

Files: for each of the mapping's loads of the stream, every file it names, in export-day order,
up to a given day. A file that load already landed (same load, path and content hash in
``raw._loaded_files``) is skipped; the new ones land with their bookkeeping in transactions of
up to ``FILES_PER_TRANSACTION`` consecutive files and ``ROWS_PER_TRANSACTION`` records
(``landing.loader.land_files``): a backfill of a year of daily files pays a transaction's fixed
cost a few dozen times, not once per file, and a crash still leaves each transaction whole or absent.

API: pages from ``updated_after`` = the saved cursor minus a small look-back (records sharing
the cursor's last value are asked for again; their row hash makes the repeat a no-op), each
page landed in its own transaction together with the cursor it advances to.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from lead_sla.landing.loader import (
    BatchResult,
    BatchSpec,
    FileBatch,
    LookupTable,
    MissingColumnError,
    can_share_transaction,
    columns_mapped,
    land_batch,
    land_files,
)
from lead_sla.landing.raw import RAW_SCHEMA
from lead_sla.sources.files import LINE_COLUMN, SOURCE_TEXT_COLUMN, ParsedFile, as_json, as_text, read_file, sha256_of
from lead_sla.sources.mapping import Lookup, MappingError, SourceMapping, StreamLoad, export_date_of, file_format
from lead_sla.sources.streams import Stream, get_stream


# Bounds of one extraction transaction (files are grouped in export-day order, per load). Files
# cost ~45 ms of statements and commit each when landed alone; the row bound keeps a
# transaction's memory small (about 6 days of web sessions at 1,000,000 leads).
FILES_PER_TRANSACTION = 64
ROWS_PER_TRANSACTION = 500_000


class LandingFolderMissing(Exception):
    """The landing folder does not exist (or is not a folder): a configuration error, not "0 files".

    Deliberately not an ``OSError``: retrying cannot make the folder appear, and the CLI maps this
    error to exit code 2 (invalid input) rather than 1 (a run that failed).
    """

    def __init__(self, path: Path, problem: str = "does not exist") -> None:
        super().__init__(f"landing folder {path} {problem}; check LEAD_SLA_LANDING_DIR")
        self.path = path


def require_landing_folder(landing_dir: Path) -> None:
    """Raise ``LandingFolderMissing`` unless ``landing_dir`` is an existing folder (an empty one is fine)."""
    if not landing_dir.exists():
        raise LandingFolderMissing(landing_dir)
    if not landing_dir.is_dir():
        raise LandingFolderMissing(landing_dir, "is not a folder")


class ApiPageLike(Protocol):
    """One page of API records and the request (without secrets) that fetched it."""

    records: list[dict[str, object]]
    request: str


class PageSource(Protocol):
    """What ``extract_stream_api`` needs of an API client."""

    def iter_pages(self, stream: Stream, updated_after: str | None) -> Iterator[ApiPageLike]:
        """Yield the pages of ``stream`` changed after ``updated_after`` (all when None)."""
        ...


@dataclass
class StreamReport:
    """What one stream's extraction did; ``error`` is set when the stream failed."""

    stream: str
    batch_id: str
    files_loaded: int = 0
    files_skipped: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    rows_filtered: int = 0
    rows_deleted: int = 0
    cursor: str | None = None
    error: str | None = None
    batches: list[BatchResult] = field(default_factory=list)

    def add(self, result: BatchResult) -> None:
        self.batches.append(result)
        self.rows_read += result.rows_read
        self.rows_loaded += result.rows_loaded
        self.rows_duplicate += result.rows_duplicate
        self.rows_quarantined += result.rows_quarantined
        self.rows_filtered += result.rows_filtered
        self.rows_deleted += result.rows_deleted
        self.cursor = result.cursor_after


def new_batch_id(stream: str) -> str:
    """A unique, sortable batch id: stream, UTC time and a random suffix."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{stream}-{stamp}-{uuid.uuid4().hex[:8]}"


def _landed_files(conn: duckdb.DuckDBPyConnection, stream: str) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, int, int]]]:
    """(load key, path, sha256) of every landed file, and (load key, path, size, mtime) as each was seen.

    The second set lets a nightly run skip unchanged files without hashing all history again;
    a file rewritten in place changes size or mtime and is hashed and compared.
    """
    rows = conn.execute(
        f"SELECT load_key, path, sha256, size_bytes, mtime_ns FROM {RAW_SCHEMA}._loaded_files WHERE stream = ?",
        [stream],
    ).fetchall()
    return (
        {(key, p, sha) for key, p, sha, _, _ in rows},
        {(key, p, size, mtime) for key, p, _, size, mtime in rows if size is not None},
    )


def _files_of(landing_dir: Path, load: StreamLoad, up_to: date | None) -> list[tuple[Path, str]]:
    """(path, relative path) of the files ``load`` reads, oldest export day first, none after ``up_to``."""
    found: list[tuple[date, str, Path]] = []
    for path in landing_dir.glob(load.files):
        if not path.is_file():
            continue
        relative = path.relative_to(landing_dir).as_posix()
        day = export_date_of(relative)
        if up_to is not None and day is not None and day > up_to:
            continue
        found.append((day or date.min, relative, path))
    found.sort()
    return [(path, relative) for _, relative, path in found]


def _literal_sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _readers(landing_dir: Path, mapping: SourceMapping, up_to: date | None) -> dict[str, list[StreamLoad]]:
    """Per file (relative path), every load of the mapping that reads it, in mapping order: a file's
    unmapped columns land with one of them, and a column one of them maps lands nowhere else."""
    readers: dict[str, list[StreamLoad]] = {}
    for load in mapping.loads:
        for _, relative in _files_of(landing_dir, load, up_to):
            readers.setdefault(relative, []).append(load)
    return readers


def _lookup_table(landing_dir: Path, mapping: SourceMapping, load: StreamLoad, key: str, name: str, lookup: Lookup,
                  relative: str, cache: dict[tuple[str, date | None], pa.Table]) -> LookupTable:
    """The rows of ``lookup``'s files as known when the file ``relative`` was exported: files of an
    export day up to that file's (all of them when either has no day), oldest first, so that a key's
    latest row wins. Records a lookup file cannot read are left out (a load of their own quarantines them)."""
    day = export_date_of(relative)
    cache_key = (f"{lookup.files}|{lookup.format}|{lookup.encoding or mapping.encoding_for(load)}", day)
    if cache_key not in cache:
        found = []
        for path in landing_dir.glob(lookup.files):
            if not path.is_file():
                continue
            rel = path.relative_to(landing_dir).as_posix()
            its_day = export_date_of(rel)
            if day is not None and its_day is not None and its_day > day:
                continue
            found.append((its_day or date.min, rel, path))
        if not found:
            after = f" exported on or before {day}" if day is not None else ""
            raise MappingError(f"{relative}: load {key!r}: lookup {name!r}: no file matches {lookup.files!r}{after}")
        tables, offset = [], 0
        for _, _, path in sorted(found):
            table = read_file(path, file_format(lookup, path), lookup.encoding or mapping.encoding_for(load)).to_arrow()
            order = pa.array(range(offset, offset + table.num_rows), type=pa.int64())
            offset += table.num_rows
            tables.append(table.drop_columns([LINE_COLUMN, SOURCE_TEXT_COLUMN]).append_column("_order", order))
        cache[cache_key] = pa.concat_tables(tables, promote_options="default")
    return LookupTable(name=name, table=cache[cache_key], key=lookup.key, on=lookup.on, location=lookup.files)


def pending_files(landing_dir: Path, mapping: SourceMapping, stream: str, up_to: date | None) -> list[tuple[Path, str]]:
    """(path, relative path) of the stream's files, oldest export day first, none after ``up_to``."""
    found = {item for load in mapping.loads_for(stream) for item in _files_of(landing_dir, load, up_to)}
    return sorted(found, key=lambda item: (export_date_of(item[1]) or date.min, item[1]))


class _PendingFiles:
    """Files read but not yet landed, that will land in one transaction (see ``land_files``)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, report: StreamReport, loaded: set[tuple[str, str, str]],
                 before_commit: Callable[[], None] | None, max_files: int, max_rows: int) -> None:
        self.conn, self.report, self.loaded, self.before_commit = conn, report, loaded, before_commit
        self.max_files, self.max_rows = max(1, max_files), max(1, max_rows)
        self.files: list[FileBatch] = []
        self.rows = 0

    def add(self, item: FileBatch) -> None:
        """Queue ``item``, landing what is queued first when ``item`` cannot join it or it is full."""
        rows = item.records.num_rows + len(item.rejects)
        if self.files and (len(self.files) >= self.max_files or self.rows + rows > self.max_rows
                           or not can_share_transaction(self.files[0], item)):
            self.flush()
        self.files.append(item)
        self.rows += rows

    def flush(self) -> None:
        """Land the queued files in one transaction.

        When the mapping does not fit one of them (a missing column, SQL that fails on its
        values), they are landed one by one instead, so that the files before that one land and
        the error names it, as if every file had its own transaction.
        """
        files, self.files, self.rows = self.files, [], 0
        if not files:
            return
        try:
            results = land_files(self.conn, files, batch_id=self.report.batch_id, before_commit=self.before_commit)
        except (MappingError, MissingColumnError):
            if len(files) == 1:
                raise
            results = []
            for item in files:
                results.extend(land_files(self.conn, [item], batch_id=self.report.batch_id,
                                          before_commit=self.before_commit))
        for item, result in zip(files, results):
            self.loaded.add((item.spec.load_key, item.spec.location, item.spec.file_sha256 or ""))
            self.report.files_loaded += 1
            self.report.add(result)


def extract_stream_files(
    conn: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    mapping: SourceMapping,
    stream_name: str,
    *,
    up_to: date | None = None,
    before_commit: Callable[[], None] | None = None,
    files_per_transaction: int = FILES_PER_TRANSACTION,
    rows_per_transaction: int = ROWS_PER_TRANSACTION,
) -> StreamReport:
    """Land every new file of ``stream_name`` exported on or before ``up_to`` (all when None).

    Each of the mapping's loads for the stream reads its files, and keeps its own record of which
    it has landed: two loads reading one file both run, and a rerun adds nothing. Consecutive
    files of a load land together, up to ``files_per_transaction`` files and
    ``rows_per_transaction`` records a transaction (empty files, snapshots and loads with lookups
    one by one); ``before_commit`` runs once per transaction, just before its commit.

    Raises ``LandingFolderMissing`` when ``landing_dir`` does not exist, and ``MissingColumnError``
    (naming the file and column) when a file lacks a required column; the files before it stay landed.
    """
    require_landing_folder(landing_dir)
    stream = get_stream(stream_name)
    report = StreamReport(stream=stream_name, batch_id=new_batch_id(stream_name))
    loaded, seen = _landed_files(conn, stream_name)
    loads = [(load, mapping.load_key(load), _files_of(landing_dir, load, up_to)) for load in mapping.loads_for(stream_name)]
    readers = _readers(landing_dir, mapping, up_to)
    lookup_cache: dict[tuple[str, date | None], pa.Table] = {}
    # Bookkeeping from before loads were told apart (load key '') belongs to the first load that
    # reads the file: the one that landed it then.
    legacy_owner: dict[str, str] = {}
    for _, key, files in loads:
        for _, relative in files:
            legacy_owner.setdefault(relative, key)
    for load, key, files in loads:
        pending = _PendingFiles(conn, report, loaded, before_commit, files_per_transaction, rows_per_transaction)
        try:
            for path, relative in files:
                keys = (key, "") if legacy_owner[relative] == key else (key,)
                stat = path.stat()
                if any((k, relative, stat.st_size, stat.st_mtime_ns) in seen for k in keys):
                    report.files_skipped += 1
                    continue
                sha = sha256_of(path)
                if any((k, relative, sha) in loaded for k in keys):
                    report.files_skipped += 1
                    continue
                pending.add(_file_batch(landing_dir, mapping, load, key, path, relative, stat, sha, readers,
                                        lookup_cache))
        except Exception:
            # The files read before a failing one still land (as they would have one by one).
            pending.flush()
            raise
        pending.flush()
    return report


def _file_batch(landing_dir: Path, mapping: SourceMapping, load: StreamLoad, key: str, path: Path, relative: str,
                stat: os.stat_result, sha: str, readers: dict[str, list[StreamLoad]],
                lookup_cache: dict[tuple[str, date | None], pa.Table]) -> FileBatch:
    """One new file, read, with how its load maps it."""
    stream = get_stream(load.stream)
    export_day = export_date_of(relative)
    snapshot_at = None
    if load.snapshot:
        if export_day is None:
            raise MappingError(f"{relative}: load {key!r} reads snapshots, but this file's path has no export "
                               "day (YYYY-MM-DD): a snapshot's day is the updated_at of the versions it brings")
        snapshot_at = f"{export_day.isoformat()} 12:00:00"
    parsed = read_file(path, file_format(load, path), mapping.encoding_for(load))
    others = [other for other in readers.get(relative, []) if other is not load]
    source_columns = list(parsed.columns)
    spec = BatchSpec(
        stream=stream,
        source_name=f"files:{mapping.name}",
        location=relative,
        timezone=mapping.zone_for(load),
        timestamp_format=load.timestamp_format,
        date_columns=frozenset(load.date_columns),
        date_format=load.date_format,
        missing_values=mapping.missing_for(load),
        expressions=(load.columns if snapshot_at is None
                     else {**load.columns, stream.cursor: _literal_sql(f"{snapshot_at}+00:00")}),
        value_maps=load.values,
        where=load.where,
        export_date=export_day,
        snapshot_at=snapshot_at,
        file_sha256=sha,
        load_key=key,
        file_size=stat.st_size,
        file_mtime_ns=stat.st_mtime_ns,
        lookups=tuple(
            _lookup_table(landing_dir, mapping, load, key, name, lookup, relative, lookup_cache)
            for name, lookup in load.lookups.items()
        ),
        keep_extras=mapping.keeps_extras(load, readers.get(relative, [load])),
        mapped_elsewhere=frozenset(
            c.lower() for other in others
            for c in columns_mapped(other.contract, other.columns, source_columns,
                                    [lookup.on for lookup in other.lookups.values()])
        ),
    )
    return FileBatch(spec, parsed.to_arrow(), parsed.rejects, parsed.is_empty)


def records_to_arrow(records: Iterable[dict[str, object]], stream: Stream) -> pa.Table:
    """API records as an Arrow table of text columns (contract columns first, extras after)."""
    parsed = ParsedFile(columns=list(stream.column_names), values={c: [] for c in stream.column_names})
    for number, record in enumerate(records, start=1):
        parsed.add_record(number, {str(k): as_text(v) for k, v in record.items()}, as_json(record))
    return parsed.to_arrow()


def extract_stream_api(
    conn: duckdb.DuckDBPyConnection,
    client: PageSource,
    stream_name: str,
    *,
    source_name: str,
    lookback: timedelta = timedelta(seconds=1),
    before_commit: Callable[[], None] | None = None,
) -> StreamReport:
    """Land the pages of ``stream_name`` changed since the saved cursor (minus ``lookback``)."""
    stream = get_stream(stream_name)
    report = StreamReport(stream=stream_name, batch_id=new_batch_id(stream_name))
    row = conn.execute(
        f"SELECT cursor_value FROM {RAW_SCHEMA}._cursors WHERE stream = ? AND source = ?", [stream_name, source_name]
    ).fetchone()
    saved = row[0] if row else None
    updated_after = None
    if saved is not None:
        updated_after = (datetime.fromisoformat(saved) - lookback).isoformat(sep=" ")
    for page in client.iter_pages(stream, updated_after):
        spec = BatchSpec(stream=stream, source_name=source_name, location=page.request, timezone="UTC")
        table = records_to_arrow(page.records, stream)
        report.add(land_batch(conn, spec, table, [], batch_id=report.batch_id, before_commit=before_commit))
    report.cursor = report.cursor or saved
    return report


__all__ = [
    "LINE_COLUMN", "LandingFolderMissing", "StreamReport", "extract_stream_api", "extract_stream_files", "new_batch_id", "pending_files",
    "require_landing_folder",
]
