"""Transactional landing of batches of records into a raw table.

``land_files`` keeps the records of one or more files of a load (``land_batch``: one file, or one
API page) that the load's ``where`` accepts, maps them onto its stream, checks every value against the stream contract, and in ONE
DuckDB transaction:

1. appends the new versions to ``raw.<stream>`` (a version already landed, recognised by its
   row hash, is not added again: re-extracting a file or a page adds nothing);
2. sends every record that fails a check to ``quarantine.rows`` with the reason and the record
   as it was read (its source line(s), or a JSON object of a Parquet row or API record);
3. records each file in ``raw._loaded_files`` (for file sources, per mapping load), advances the
   stream's cursor in ``raw._cursors`` and writes the batch's counts to ``raw._batches``.

Several files in one transaction pay its fixed cost (a dozen statements and a commit, tens of
milliseconds) once: a year of daily exports lands in a few dozen transactions, not hundreds.

A crash anywhere before the commit leaves none of it, so the cursor can never run ahead of,
or fall behind, the rows it covers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

import duckdb
import pyarrow as pa

from lead_sla.landing.raw import QUARANTINE_TABLE, RAW_SCHEMA, raw_table
from lead_sla.sources.files import LINE_COLUMN, SOURCE_TEXT_COLUMN, Reject
from lead_sla.sources.mapping import MappingError
from lead_sla.sources.streams import Column, Stream

_OFFSET_PATTERN = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"
_BOOL_TRUE = ("true", "t", "1", "yes", "y")
_BOOL_FALSE = ("false", "f", "0", "no", "n")
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_QUARANTINE_COLUMNS = "stream, batch_id, source, source_line, reason, raw_text, raw_bytes_base64, quarantined_at"


class MissingColumnError(ValueError):
    """A required column of the stream is absent from a source; names the source and column."""


@dataclass(frozen=True)
class LookupTable:
    """A load's lookup, read: the rows of its files (oldest first, so a later row wins) and how to join."""

    name: str                             # the struct column the load's SQL reads: <name>.<column>
    table: pa.Table                       # text columns plus ``_order`` (ascending: older file, earlier line)
    key: str                              # the lookup files' column to join on
    on: str                               # SQL over the batch's source columns giving the key
    location: str                         # the lookup's glob, for messages


@dataclass(frozen=True)
class BatchSpec:
    """How a batch's source columns become the stream's columns."""

    stream: Stream
    source_name: str                      # cursor bookkeeping key: a mapping name or an API URL
    location: str                         # file path relative to the landing folder, or request
    timezone: str = "UTC"                 # zone of naive timestamps
    timestamp_format: str | None = None   # strptime format of naive timestamps (ISO when None)
    date_columns: frozenset[str] = frozenset()  # timestamp columns holding calendar dates
    date_format: str | None = None        # strptime format of those dates (ISO when None)
    missing_values: Sequence[str] = ("",)
    expressions: dict[str, str] | None = None         # target -> SQL over source columns
    value_maps: dict[str, dict[str, str]] | None = None
    where: str | None = None              # SQL condition over the source columns: rows it rejects are skipped
    export_date: date | None = None
    file_sha256: str | None = None        # set for file sources: marks the file as loaded by this load
    load_key: str = ""                    # which of the mapping's loads (``SourceMapping.load_key``)
    file_size: int | None = None
    file_mtime_ns: int | None = None
    lookups: tuple[LookupTable, ...] = ()  # other files of the export, joined on a key
    snapshot_at: str | None = None        # a snapshot load: its versions' cursor (UTC text); versions by difference
    keep_extras: bool = True              # land the unmapped source columns as extra raw columns
    mapped_elsewhere: frozenset[str] = frozenset()  # source columns (lower case) other loads of the file map


@dataclass(frozen=True)
class BatchResult:
    """What one batch did."""

    batch_id: str
    stream: str
    location: str
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int
    cursor_before: str | None
    cursor_after: str | None
    rows_filtered: int = 0                # skipped by the load's ``where``: not bad data, not landed
    rows_deleted: int = 0                 # snapshot loads: deletion versions of records the snapshot no longer holds


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _date_only_check(name: str, value_sql: str, spec: BatchSpec) -> tuple[str, str]:
    """A calendar date in a timestamp column, stored as 12:00 UTC of that date.

    The warehouse turns UTC into the reporting zone to find an event's day. Midnight UTC would
    fall on the day before anywhere west of UTC; noon UTC is the same calendar day in every zone
    from UTC-11 to UTC+11. A value with a time of day other than midnight is not a date: refused.
    """
    shown = f"left({value_sql}, 80)"
    parsed = (
        f"try_strptime(trim({value_sql}), {_literal(spec.date_format)})"
        if spec.date_format
        else f"try_cast(trim({value_sql}) AS TIMESTAMP)"
    )
    day = f"date_trunc('day', {parsed})"
    normalized = f"CASE WHEN {parsed} = {day} THEN CAST({day} + INTERVAL 12 HOUR AS VARCHAR) END"
    reason = (
        f"CASE WHEN {value_sql} IS NULL THEN NULL "
        f"WHEN {parsed} IS NULL THEN 'unparseable date in {name} (a date-only column): ' || {shown} "
        f"WHEN {parsed} <> {day} THEN 'time of day in date-only column {name}: ' || {shown} END"
    )
    return normalized, reason


def _typed_check(column: Column, value_sql: str, spec: BatchSpec) -> tuple[str, str]:
    """(normalized text expression, failure reason expression or NULL) for one column."""
    name = column.name
    shown = f"left({value_sql}, 80)"
    if column.kind == "timestamp" and name in spec.date_columns:
        return _date_only_check(name, value_sql, spec)
    if column.kind == "timestamp":
        zone = _literal(spec.timezone)
        naive = (
            f"try_strptime({value_sql}, {_literal(spec.timestamp_format)})"
            if spec.timestamp_format
            else f"try_cast({value_sql} AS TIMESTAMP)"
        )
        parsed = (
            f"CASE WHEN regexp_matches(trim({value_sql}), '{_OFFSET_PATTERN}') "
            f"THEN timezone('UTC', try_cast(trim({value_sql}) AS TIMESTAMPTZ)) "
            f"ELSE timezone('UTC', timezone({zone}, {naive})) END"
        )
        normalized = f"CAST({parsed} AS VARCHAR)"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {parsed} IS NULL THEN 'unparseable timestamp in {name}: ' || {shown} END"
        return normalized, reason
    if column.kind == "date":
        parsed = f"try_cast(trim({value_sql}) AS DATE)"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {parsed} IS NULL THEN 'unparseable date in {name}: ' || {shown} END"
        return f"CAST({parsed} AS VARCHAR)", reason
    if column.kind == "time":
        parsed = f"coalesce(try_strptime(trim({value_sql}), '%H:%M'), try_strptime(trim({value_sql}), '%H:%M:%S'))"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {parsed} IS NULL THEN 'unparseable time of day in {name}: ' || {shown} END"
        return f"strftime({parsed}, '%H:%M')", reason
    if column.kind == "int":
        parsed = f"try_cast(trim({value_sql}) AS BIGINT)"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {parsed} IS NULL THEN 'not an integer in {name}: ' || {shown} END"
        return f"CAST({parsed} AS VARCHAR)", reason
    if column.kind == "decimal":
        parsed = f"try_cast(trim({value_sql}) AS DECIMAL(38, 6))"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {parsed} IS NULL THEN 'not a number in {name}: ' || {shown} END"
        return f"trim({value_sql})", reason
    if column.kind == "bool":
        lowered = f"lower(trim({value_sql}))"
        trues = ", ".join(_literal(v) for v in _BOOL_TRUE)
        falses = ", ".join(_literal(v) for v in _BOOL_FALSE)
        normalized = f"CASE WHEN {lowered} IN ({trues}) THEN 'true' WHEN {lowered} IN ({falses}) THEN 'false' END"
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND {normalized} IS NULL THEN 'not a boolean in {name}: ' || {shown} END"
        return normalized, reason
    if column.kind == "email":
        reason = f"CASE WHEN {value_sql} IS NOT NULL AND NOT regexp_matches(trim({value_sql}), '{_EMAIL_PATTERN}') THEN 'invalid e-mail in {name}: ' || {shown} END"
        return value_sql, reason
    if column.kind == "enum":
        lowered = f"lower(trim({value_sql}))"
        allowed = ", ".join(_literal(v) for v in column.values)
        reason = (
            f"CASE WHEN {value_sql} IS NOT NULL AND {lowered} NOT IN ({allowed}) "
            f"THEN 'unknown value in {name}: ' || {shown} || ' (expected one of {', '.join(column.values)})' END"
        )
        return lowered, reason
    if column.kind == "zone":
        reason = (
            f"CASE WHEN {value_sql} IS NOT NULL AND trim({value_sql}) NOT IN (SELECT name FROM pg_timezone_names()) "
            f"THEN 'unknown time zone in {name}: ' || {shown} END"
        )
        return f"trim({value_sql})", reason
    return value_sql, "NULL"


def _distinct(name: str, taken: set[str]) -> str:
    """``name``, else ``name_1``, ``name_2``…: the first unlike every name in ``taken`` (lower case),
    ignoring case as DuckDB does; the chosen name is added to ``taken``."""
    candidate, n = name, 0
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate.lower())
    return candidate


@dataclass(frozen=True)
class _ColumnPlan:
    """How a batch's source columns become the stream's columns and the extra raw columns."""

    source_names: list[str]   # each source column's name in SQL: distinct even ignoring case
    mapped: dict[str, str]    # contract column -> SQL expression over the cleaned source
    extras: dict[str, str]    # extra raw column -> its source column's SQL name


def _plan_columns(spec: BatchSpec, source_columns: Sequence[str]) -> _ColumnPlan:
    """Map a batch's source columns onto the stream, losing none.

    DuckDB names ignore case, so names that differ only by case are told apart here: a source
    column spelled exactly like a contract column keeps its name; another spelled like it but for
    case fills the contract column when nothing else does (no expression, no exact spelling), and
    otherwise lands as an extra column renamed ``<name>_1`` (``_2``…), as does any extra column
    whose name is taken, ignoring case, by a contract column or another source column.
    """
    contract = spec.stream.column_names
    expressions = dict(spec.expressions or {})
    taken: set[str] = set()
    sql_name = {c: _distinct(c, taken) for c in source_columns if c in contract}
    sql_name.update({c: _distinct(c, taken) for c in source_columns if c not in sql_name})
    mapped: dict[str, str] = {}
    identity_sources: set[str] = set()
    for name in contract:
        same = name if name in sql_name else next((c for c in source_columns if c.lower() == name.lower()), None)
        if name in expressions:
            mapped[name] = f"CAST(({expressions[name]}) AS VARCHAR)"
        elif same is not None:
            mapped[name] = _quote(sql_name[same])
            identity_sources.add(same)
        elif spec.stream.column(name).required:
            raise MissingColumnError(
                f"{spec.location}: required column {name!r} of stream {spec.stream.name!r} is missing "
                f"(columns found: {', '.join(source_columns) or 'none'})"
            )
        else:
            mapped[name] = "CAST(NULL AS VARCHAR)"
    landing_taken = {name.lower() for name in contract}
    used = columns_mapped(spec.stream, expressions, source_columns, [lookup.on for lookup in spec.lookups])
    extras = {
        _distinct(sql_name[c], landing_taken): sql_name[c] for c in source_columns
        if spec.keep_extras and c not in used and not c.startswith("_") and c.lower() not in spec.mapped_elsewhere
    }
    return _ColumnPlan([sql_name[c] for c in source_columns], mapped, extras)


def columns_mapped(stream: Stream, expressions: dict[str, str], source_columns: Sequence[str],
                   lookup_keys: Sequence[str] = ()) -> set[str]:
    """The source columns a load maps onto ``stream``: those named in its ``columns`` expressions or
    its lookups' ``on``, and those that fill a contract column of the same name (ignoring case) that
    no expression fills."""
    used_text = " ".join([*expressions.values(), *lookup_keys])
    used = {c for c in source_columns if re.search(rf"\b{re.escape(c)}\b", used_text)}
    for name in stream.column_names:
        if name in expressions:
            continue
        same = name if name in source_columns else next((c for c in source_columns if c.lower() == name.lower()), None)
        if same is not None:
            used.add(same)
    return used


def _value_mapped(column: str, expression: str, spec: BatchSpec) -> str:
    value_map = (spec.value_maps or {}).get(column)
    if not value_map:
        return expression
    cases = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in value_map.items())
    return f"CASE ({expression}) {cases} ELSE ({expression}) END"


def _create_lookup(conn: duckdb.DuckDBPyConnection, index: int, lookup: LookupTable, spec: BatchSpec,
                   source_columns: Sequence[str]) -> tuple[str, str]:
    """A temp table ``_lookup_<index>`` of (``_key``, ``_value``): one row per key, the latest, its
    columns (after ``missing_values``) as a struct; returns the join the batch's query adds."""
    if lookup.name.lower() in {c.lower() for c in source_columns}:
        raise MappingError(f"{spec.location}: load {spec.load_key or spec.stream.name!r}: lookup {lookup.name!r} has the "
                           "name of a column of this file; give the lookup another name")
    columns = [c for c in lookup.table.column_names if c != "_order"]
    key = lookup.key if lookup.key in columns else next((c for c in columns if c.lower() == lookup.key.lower()), None)
    if key is None:
        raise MappingError(f"{lookup.location}: lookup {lookup.name!r} of load {spec.load_key or spec.stream.name!r}: "
                           f"key column {lookup.key!r} is not in its files (columns found: {', '.join(columns) or 'none'})")
    taken: set[str] = set()
    names = {c: _distinct(c, taken) for c in columns}
    missing = ", ".join(_literal(v) for v in spec.missing_values) or "NULL"
    fields = ", ".join(
        f"{_quote(names[c])} := CASE WHEN trim({_quote(c)}) IN ({missing}) THEN NULL ELSE {_quote(c)} END" for c in columns
    )
    source = f"_lookup_source_{index}"
    conn.register(source, lookup.table)
    try:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lookup_{index} AS
            SELECT CAST({_quote(key)} AS VARCHAR) AS _key, struct_pack({fields}) AS _value
            FROM {source}
            WHERE nullif(trim({_quote(key)}), '') IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _order DESC) = 1
            """
        )
    finally:
        conn.unregister(source)
    return (f"LEFT JOIN _lookup_{index} ON _lookup_{index}._key = CAST(({lookup.on}) AS VARCHAR)",
            f"_lookup_{index}._value AS {_quote(lookup.name)}")


def _content_hash(columns: Sequence[str], alias: str) -> str:
    return f"md5(concat_ws(chr(31), {', '.join(f'coalesce({alias}.{_quote(c)}, chr(0))' for c in columns)}))"


def _compare_with_previous_snapshots(conn: duckdb.DuckDBPyConnection, spec: BatchSpec, table: str,
                                     extras: Sequence[str], batch_id: str, now: datetime) -> int:
    """For a snapshot batch: mark in ``_batch._unchanged`` the records whose contract columns equal
    their latest earlier version from this load's files (they are not new versions), and land a
    deletion version (``is_deleted`` true, at the snapshot's time) of every record an earlier snapshot
    held that this one does not. Returns the number of deletion versions landed."""
    stream, at = spec.stream, spec.snapshot_at
    key, cursor = _quote(stream.key), _quote(stream.cursor)
    content = [c for c in stream.column_names if c != stream.cursor]
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _previous AS
        SELECT r.*, {_content_hash(content, 'r')} AS _content FROM {table} AS r
        WHERE r._source IN (SELECT path FROM {RAW_SCHEMA}._loaded_files WHERE stream = ? AND load_key = ?)
            AND r.{cursor} < ?
        QUALIFY row_number() OVER (PARTITION BY r.{key} ORDER BY r.{cursor} DESC, r._row_hash DESC) = 1
        """,
        [stream.name, spec.load_key, at],
    )
    conn.execute(
        f"""UPDATE _batch SET _unchanged = true FROM _previous AS p
            WHERE p.{key} = _batch.{key} AND _batch._reason = '' AND p._content = {_content_hash(content, '_batch')}"""
    )
    if "is_deleted" not in stream.column_names:
        return 0
    values = [
        "'true'" if c == "is_deleted" else (_literal(at) if c == stream.cursor else f"p.{_quote(c)}")
        for c in stream.column_names
    ]
    hashed = ", ".join([*(f"coalesce({v}, chr(0))" for v in values), *("chr(0)" for _ in extras)])
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _deleted AS
        SELECT {', '.join(f'{v} AS {_quote(c)}' for v, c in zip(values, stream.column_names))},
               md5(concat_ws(chr(31), {hashed})) AS _row_hash
        FROM _previous AS p
        WHERE coalesce(p.is_deleted, 'false') <> 'true'
            AND p.{key} NOT IN (SELECT {key} FROM _batch WHERE {key} IS NOT NULL)
        """
    )
    conn.execute(
        f"""
        INSERT INTO {table} ({', '.join(_quote(c) for c in stream.column_names)},
                             _batch_id, _extracted_at, _source, _source_line, _export_date, _row_hash)
        SELECT {', '.join(f'd.{_quote(c)}' for c in stream.column_names)}, ?, ?, ?, NULL, ?, d._row_hash
        FROM _deleted AS d
        WHERE NOT EXISTS (SELECT 1 FROM {table} AS r WHERE r.{cursor} = d.{cursor} AND r._row_hash = d._row_hash)
        ORDER BY d.{key}
        """,
        [batch_id, now, spec.location, spec.export_date],
    )
    counted = conn.execute(
        f"""SELECT count(*) FROM _deleted AS d WHERE EXISTS (
                SELECT 1 FROM {table} AS r WHERE r._batch_id = ? AND r._source = ? AND r._row_hash = d._row_hash)""",
        [batch_id, spec.location],
    ).fetchone()
    conn.execute("DROP TABLE IF EXISTS _deleted")
    return int(counted[0]) if counted else 0


def _current_cursor(conn: duckdb.DuckDBPyConnection, stream: str, source: str) -> str | None:
    row = conn.execute(
        f"SELECT cursor_value FROM {RAW_SCHEMA}._cursors WHERE stream = ? AND source = ?", [stream, source]
    ).fetchone()
    return None if row is None else row[0]


@dataclass(frozen=True)
class FileBatch:
    """One file (or API page) of a transaction: how it maps, its good records and its rejects."""

    spec: BatchSpec
    records: pa.Table
    rejects: Sequence[Reject] = ()
    is_empty_file: bool = False


# What may differ between the files of one transaction: where each came from. Everything else
# (the stream, the load, its SQL, the source columns) is one plan for all of them.
_PER_FILE_FIELDS = ("location", "export_date", "file_sha256", "file_size", "file_mtime_ns")
_FILE_COLUMN = "_batch_file"  # the index of a record's file in the transaction


def _source_columns(item: FileBatch) -> list[str]:
    return [c for c in item.records.column_names if c not in (LINE_COLUMN, SOURCE_TEXT_COLUMN)]


def can_share_transaction(a: FileBatch, b: FileBatch) -> bool:
    """Whether ``b`` may land in one ``land_files`` call after ``a``: same spec but for where each file
    came from, and neither an empty file, a snapshot nor a load with lookups; the same columns,
    in any order (JSON Lines files list them as their records first show them) as long as no two
    differ only by case and the columns that land as extra raw columns come in the same order
    (their order is part of the row hash)."""
    if a.is_empty_file or b.is_empty_file or a.spec.snapshot_at is not None or a.spec.lookups:
        return False
    blank = dict.fromkeys(_PER_FILE_FIELDS)
    if replace(a.spec, **blank) != replace(b.spec, **blank):
        return False
    columns_a, columns_b = _source_columns(a), _source_columns(b)
    if columns_a == columns_b:
        return True
    if set(columns_a) != set(columns_b) or len({c.lower() for c in columns_a}) != len(columns_a):
        return False
    try:
        return list(_plan_columns(a.spec, columns_a).extras) == list(_plan_columns(b.spec, columns_b).extras)
    except MissingColumnError:
        return False


def _shared_spec(files: Sequence[FileBatch]) -> BatchSpec:
    """The spec the files of one transaction share; raises ``ValueError`` when they cannot share one."""
    if not files:
        raise ValueError("land_files needs at least one file")
    first = files[0]
    for item in files[1:]:
        if not can_share_transaction(first, item):
            raise ValueError(f"{item.spec.location} cannot land in one transaction with {first.spec.location}: "
                             "another load or other columns, or an empty file, a snapshot or a load with lookups")
    return first.spec


def land_batch(
    conn: duckdb.DuckDBPyConnection,
    spec: BatchSpec,
    records: pa.Table,
    rejects: Sequence[Reject],
    *,
    batch_id: str,
    is_empty_file: bool = False,
    before_commit: Callable[[], None] | None = None,
) -> BatchResult:
    """Land one batch in one transaction (see the module docstring). Returns its counts.

    ``before_commit`` runs inside the transaction just before COMMIT; tests use it to show
    that a crash there leaves nothing behind.
    """
    return land_files(conn, [FileBatch(spec, records, rejects, is_empty_file)], batch_id=batch_id,
                      before_commit=before_commit)[0]


def land_files(
    conn: duckdb.DuckDBPyConnection,
    files: Sequence[FileBatch],
    *,
    batch_id: str,
    before_commit: Callable[[], None] | None = None,
) -> list[BatchResult]:
    """Land several files of one load in ONE transaction, with one pass of SQL over all their records.

    The result is what landing them one after another would give (a record repeated in a later
    file is that file's duplicate; each file keeps its own source, export day and bookkeeping row),
    but the transaction's statements run once, not once per file. Either every file lands, with
    its quarantined rows and the advanced cursor, or none does. Returns one ``BatchResult`` per
    file, in order; they share the transaction's cursor before and after.

    The files must share their spec but for location, export day and file identity, and their
    columns (``ValueError`` otherwise); empty files, snapshot loads and loads with lookups come
    one per call.
    """
    spec = _shared_spec(files)
    stream = spec.stream
    table = raw_table(stream)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    first = files[0]
    is_empty_file = first.is_empty_file
    order = first.records.column_names
    records = first.records if len(files) == 1 else pa.concat_tables([item.records.select(order) for item in files])
    per_file_rows = [item.records.num_rows for item in files]
    file_index = pa.array([i for i, n in enumerate(per_file_rows) for _ in range(n)], type=pa.int32())
    records = records.append_column(_FILE_COLUMN, file_index)
    source_columns = [c for c in records.column_names if c not in (LINE_COLUMN, SOURCE_TEXT_COLUMN, _FILE_COLUMN)]
    if is_empty_file:
        # Nothing to map: an empty file lands no rows, only its quarantine note.
        plan = _ColumnPlan(source_columns, {name: "CAST(NULL AS VARCHAR)" for name in stream.column_names}, {})
    else:
        plan = _plan_columns(spec, source_columns)
    renamed = dict(zip(source_columns, plan.source_names))
    records = records.rename_columns([renamed.get(c, c) for c in records.column_names])
    source_columns, mapped, extras = plan.source_names, plan.mapped, list(plan.extras)
    file_table = pa.table({
        _FILE_COLUMN: pa.array(range(len(files)), type=pa.int32()),
        "location": pa.array([item.spec.location for item in files], type=pa.string()),
        "export_date": pa.array([item.spec.export_date for item in files], type=pa.date32()),
    })

    missing = ", ".join(_literal(v) for v in spec.missing_values) or "NULL"
    cleaned = ", ".join(
        f"CASE WHEN trim({_quote(c)}) IN ({missing}) THEN NULL ELSE {_quote(c)} END AS {_quote(c)}"
        for c in source_columns
    )
    normalized_parts, reason_parts = [], []
    for column in stream.columns:
        value = f"m.{_quote(column.name)}"
        normal, reason = _typed_check(column, value, spec)
        normalized_parts.append(f"{normal} AS {_quote(column.name)}")
        if column.required:
            reason_parts.append(f"CASE WHEN {value} IS NULL THEN 'missing required {column.name}' END")
        reason_parts.append(reason)
    mapped_select = ", ".join(
        f"{_value_mapped(name, expr, spec)} AS {_quote(name)}" for name, expr in mapped.items()
    )
    extra_select = "".join(f", {_quote(source)} AS {_quote(extra)}" for extra, source in plan.extras.items())
    hash_input = ", ".join(
        f"coalesce(v.{_quote(c)}, chr(0))" for c in [*stream.column_names, *extras]
    )
    lineage = f"{LINE_COLUMN}, {SOURCE_TEXT_COLUMN}, {_FILE_COLUMN}"

    conn.execute("BEGIN TRANSACTION")
    try:
        for extra in extras:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {_quote(extra)} VARCHAR")
        conn.register("_batch_source", records)
        conn.register("_batch_files", file_table)
        try:
            joins = [] if is_empty_file else [
                _create_lookup(conn, index, lookup, spec, source_columns) for index, lookup in enumerate(spec.lookups)
            ]
            conn.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _batch AS
                WITH cleaned AS (SELECT {cleaned + ',' if cleaned else ''} {lineage} FROM _batch_source),
                looked AS (SELECT cleaned.*{''.join(', ' + value for _, value in joins)} FROM cleaned
                           {' '.join(join for join, _ in joins)}),
                kept AS (SELECT * FROM looked WHERE {f'({spec.where})' if spec.where and not is_empty_file else 'true'}),
                mapped AS (SELECT {mapped_select}{extra_select}, {lineage} FROM kept),
                checked AS (
                    SELECT {', '.join(normalized_parts)}{''.join(f', m.{_quote(c)}' for c in extras)},
                           m.{LINE_COLUMN}, m.{SOURCE_TEXT_COLUMN}, m.{_FILE_COLUMN},
                           concat_ws('; ', {', '.join(reason_parts)}) AS _reason
                    FROM mapped AS m
                )
                SELECT *, md5(concat_ws(chr(31), {hash_input})) AS _row_hash FROM checked AS v
                """
            )
        except (duckdb.BinderException, duckdb.ParserException, duckdb.ConversionException) as exc:
            # A column the SQL names is not in this file, or the SQL is wrong: the mapping's fault.
            where = f" (where: {spec.where})" if spec.where else ""
            parts = "`columns`, `where` or `lookups`" if spec.lookups else "`columns` or `where`"
            raise MappingError(
                f"{spec.location}: load {spec.load_key or spec.stream.name!r}: its {parts} SQL "
                f"does not run on this file{where}: {str(exc).splitlines()[0]}"
            ) from None
        conn.unregister("_batch_source")
        conn.execute("ALTER TABLE _batch ADD COLUMN _unchanged BOOLEAN DEFAULT false")
        deleted = 0
        if spec.snapshot_at is not None and not is_empty_file:
            deleted = _compare_with_previous_snapshots(conn, spec, table, extras, batch_id, now)
        cursor_col = _quote(stream.cursor)
        # A version seen twice lands once, from its first file and line: what landing the files
        # one by one would keep.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _batch_new AS
            WITH good AS (
                SELECT * EXCLUDE (_unchanged) FROM _batch WHERE _reason = '' AND NOT _unchanged
                QUALIFY row_number() OVER (PARTITION BY _row_hash ORDER BY {_FILE_COLUMN}, {LINE_COLUMN}) = 1
            ),
            window_ AS (SELECT min({cursor_col}) AS lo, max({cursor_col}) AS hi FROM good)
            SELECT g.* FROM good AS g
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} AS r, window_ AS w
                WHERE r.{cursor_col} BETWEEN w.lo AND w.hi AND r._row_hash = g._row_hash
            )
            """
        )
        target_columns = [*stream.column_names, *extras]
        conn.execute(
            f"""
            INSERT INTO {table} ({', '.join(_quote(c) for c in target_columns)},
                                 _batch_id, _extracted_at, _source, _source_line, _export_date, _row_hash)
            SELECT {', '.join(f'n.{_quote(c)}' for c in target_columns)}, ?, ?, f.location, n.{LINE_COLUMN},
                   f.export_date, n._row_hash
            FROM _batch_new AS n JOIN _batch_files AS f USING ({_FILE_COLUMN})
            ORDER BY n.{_FILE_COLUMN}, n.{LINE_COLUMN}
            """,
            [batch_id, now],
        )
        conn.execute(
            f"""
            INSERT INTO {QUARANTINE_TABLE} ({_QUARANTINE_COLUMNS})
            SELECT ?, ?, f.location, b.{LINE_COLUMN}, b._reason, b.{SOURCE_TEXT_COLUMN}, NULL, ?
            FROM _batch AS b JOIN _batch_files AS f USING ({_FILE_COLUMN})
            WHERE b._reason <> '' ORDER BY b.{_FILE_COLUMN}, b.{LINE_COLUMN}
            """,
            [stream.name, batch_id, now],
        )
        quarantine_rows = [
            (stream.name, batch_id, item.spec.location, r.line, r.reason, r.raw_text,
             None if r.raw_bytes is None else base64.b64encode(r.raw_bytes).decode("ascii"), now)
            for item in files for r in item.rejects
        ]
        if is_empty_file:
            quarantine_rows.append((stream.name, batch_id, spec.location, None, "empty file", "", None, now))
        if quarantine_rows:
            conn.executemany(
                f"INSERT INTO {QUARANTINE_TABLE} ({_QUARANTINE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", quarantine_rows
            )

        per_file: dict[int, tuple[int, int, int]] = {
            index: (checked, invalid, loaded)
            for index, checked, invalid, loaded in conn.execute(
                f"""WITH b AS (SELECT {_FILE_COLUMN}, count(*) AS checked, count(*) FILTER (WHERE _reason <> '') AS invalid
                               FROM _batch GROUP BY ALL),
                         n AS (SELECT {_FILE_COLUMN}, count(*) AS loaded FROM _batch_new GROUP BY ALL)
                    SELECT {_FILE_COLUMN}, coalesce(b.checked, 0), coalesce(b.invalid, 0), coalesce(n.loaded, 0)
                    FROM _batch_files LEFT JOIN b USING ({_FILE_COLUMN}) LEFT JOIN n USING ({_FILE_COLUMN})"""
            ).fetchall()
        }
        conn.unregister("_batch_files")
        batch_max = conn.execute(f"SELECT max({cursor_col}) FROM _batch_new").fetchone()
        cursor_before = _current_cursor(conn, stream.name, spec.source_name)
        cursor_after = max([c for c in (cursor_before, batch_max[0] if batch_max else None,
                                        spec.snapshot_at if deleted else None) if c is not None], default=None)
        conn.execute(
            f"""INSERT INTO {RAW_SCHEMA}._cursors VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (stream, source) DO UPDATE SET cursor_value = excluded.cursor_value,
                    batch_id = excluded.batch_id, updated_at = excluded.updated_at""",
            [stream.name, spec.source_name, cursor_after, batch_id, now],
        )
        results: list[BatchResult] = []
        bookkeeping = []
        for index, item in enumerate(files):
            checked, invalid, loaded = per_file[index]
            quarantined = invalid + len(item.rejects)
            filtered = item.records.num_rows - checked
            rows_read = item.records.num_rows + len(item.rejects)
            results.append(BatchResult(
                batch_id=batch_id, stream=stream.name, location=item.spec.location, rows_read=rows_read,
                rows_loaded=loaded, rows_duplicate=checked - invalid - loaded, rows_quarantined=quarantined,
                cursor_before=cursor_before, cursor_after=cursor_after, rows_filtered=filtered,
                rows_deleted=deleted,
            ))
            if item.spec.file_sha256 is not None:
                bookkeeping.append([stream.name, spec.load_key, item.spec.location, item.spec.file_sha256, batch_id,
                                    rows_read, loaded, quarantined, filtered, now, item.spec.file_size,
                                    item.spec.file_mtime_ns])
        if bookkeeping:
            conn.executemany(
                f"""INSERT INTO {RAW_SCHEMA}._loaded_files (stream, load_key, path, sha256, batch_id, rows_read,
                        rows_loaded, rows_quarantined, rows_filtered, loaded_at, size_bytes, mtime_ns)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                bookkeeping,
            )
        conn.execute(
            f"""INSERT INTO {RAW_SCHEMA}._batches (batch_id, stream, source, started_at, finished_at, rows_read,
                    rows_loaded, rows_duplicate, rows_quarantined, rows_filtered, cursor_before, cursor_after)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (batch_id) DO UPDATE SET finished_at = excluded.finished_at,
                    rows_read = _batches.rows_read + excluded.rows_read,
                    rows_loaded = _batches.rows_loaded + excluded.rows_loaded,
                    rows_duplicate = _batches.rows_duplicate + excluded.rows_duplicate,
                    rows_quarantined = _batches.rows_quarantined + excluded.rows_quarantined,
                    rows_filtered = coalesce(_batches.rows_filtered, 0) + excluded.rows_filtered,
                    cursor_after = excluded.cursor_after""",
            [batch_id, stream.name, spec.source_name, now, now, *(sum(getattr(r, name) for r in results) for name in
             ("rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined", "rows_filtered")),
             cursor_before, cursor_after],
        )
        conn.execute("DROP TABLE IF EXISTS _batch")
        conn.execute("DROP TABLE IF EXISTS _batch_new")
        conn.execute("DROP TABLE IF EXISTS _previous")
        for index in range(len(spec.lookups)):
            conn.execute(f"DROP TABLE IF EXISTS _lookup_{index}")
        if before_commit is not None:
            before_commit()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return results
