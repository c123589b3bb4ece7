"""``lead-sla mapping check``: what a mapping would make of the landing folder, without landing anything.

The check runs the real extraction (the same reader, mapping, value maps, `where` filters and
quarantine rules as a night) into a throwaway in-memory DuckDB, then reports per stream: the files
each load matched, rows read / that would land / filtered / quarantined with their reasons, the
source columns the mapping maps and those it leaves unmapped, required columns missing, the source
values that matched none of a column's allowed values (a value map is missing an entry), and, from
dbt's own lineage, the marts that read a stream that has no data. The warehouse is never opened.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from lead_sla.landing.extract import _files_of, extract_stream_files, require_landing_folder
from lead_sla.landing.loader import MissingColumnError, columns_mapped
from lead_sla.landing.raw import QUARANTINE_TABLE, ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.sources.files import LINE_COLUMN, SOURCE_TEXT_COLUMN, read_file
from lead_sla.sources.mapping import MappingError, SourceMapping, file_format
from lead_sla.sources.streams import STREAMS

STREAM_NAMES = frozenset(stream.name for stream in STREAMS)

# A lead is a contact, and a handoff is a lifecycle change to the stage the agreement hands off at:
# without these two streams there is nothing to hold anyone to. Every other stream is optional.
REQUIRED_STREAMS = ("contacts", "lifecycle_changes")

# The loader's reason for a value outside a column's allowed values (landing/loader.py).
_UNKNOWN_VALUE = re.compile(r"unknown value in (\w+): (.*?) \(expected one of ([^)]*)\)")


@dataclass
class LoadCheck:
    """One load of the mapping: the files it matched and the columns they have."""

    key: str
    files: list[str]
    mapped: list[str]              # source columns the load maps (by expression, lookup key or same name)
    unmapped: list[str]            # source columns no load of the mapping maps
    keeps_extras: bool             # whether the unmapped columns would land as extra raw columns


@dataclass
class StreamCheck:
    """What extraction would make of one stream."""

    stream: str
    required: bool
    loads: list[LoadCheck] = field(default_factory=list)
    rows_read: int = 0
    rows_landed: int = 0
    rows_repeated: int = 0         # versions read again (same row hash): land once
    rows_filtered: int = 0
    rows_quarantined: int = 0
    reasons: list[tuple[str, int, str]] = field(default_factory=list)           # reason, rows, first place
    unmapped_values: list[tuple[str, str, int]] = field(default_factory=list)   # column, value, rows
    error: str | None = None       # a file the stream cannot land at all (e.g. a required column missing)
    marts_without_it: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.error is None and self.rows_landed > 0


@dataclass
class MappingCheck:
    mapping: str
    landing_dir: Path
    streams: list[StreamCheck]

    @property
    def missing_required(self) -> list[str]:
        """The required streams that would land no rows (absent from the mapping, no file, or an error)."""
        return [s.stream for s in self.streams if s.required and not s.has_data]


def _source_columns(settings_mapping: SourceMapping, load, files: list[tuple[Path, str]]) -> list[str]:
    """The union of the columns of ``files`` (in first-seen order), as the extraction reads them."""
    seen: dict[str, None] = {}
    for path, _ in files:
        parsed = read_file(path, file_format(load, path), settings_mapping.encoding_for(load))
        for column in parsed.columns:
            if column not in (LINE_COLUMN, SOURCE_TEXT_COLUMN):
                seen.setdefault(column, None)
    return list(seen)


def _load_checks(landing_dir: Path, mapping: SourceMapping, stream: str, up_to: date | None) -> list[LoadCheck]:
    """The loads of ``stream``: their files, the source columns each maps, and the columns of those
    files that no load of the mapping maps (a column another stream's load maps is not unmapped)."""
    readers: dict[str, list] = {}
    for load in mapping.loads:
        for _, relative in _files_of(landing_dir, load, up_to):
            readers.setdefault(relative, []).append(load)

    def mapped_by(load, files: list[tuple[Path, str]]) -> tuple[list[str], set[str]]:
        columns = _source_columns(mapping, load, files)
        return columns, columns_mapped(load.contract, load.columns, columns, [lookup.on for lookup in load.lookups.values()])

    checks = []
    for load in mapping.loads_for(stream):
        files = _files_of(landing_dir, load, up_to)
        columns, mapped = mapped_by(load, files)
        elsewhere = set(mapped)
        for other in {id(o): o for _, relative in files for o in readers.get(relative, []) if o is not load}.values():
            elsewhere |= mapped_by(other, [f for f in _files_of(landing_dir, other, up_to) if f in files])[1]
        keeps = bool(files) and mapping.keeps_extras(load, readers.get(files[0][1], [load]))
        checks.append(LoadCheck(key=mapping.load_key(load), files=[relative for _, relative in files],
                                mapped=[c for c in columns if c in mapped],
                                unmapped=[c for c in columns if c not in elsewhere], keeps_extras=keeps))
    return checks


def _quarantine(conn: duckdb.DuckDBPyConnection, check: StreamCheck, sample: int) -> None:
    rows = conn.execute(
        f"SELECT reason, source, source_line FROM {QUARANTINE_TABLE} WHERE stream = ? ORDER BY source, source_line",
        [check.stream],
    ).fetchall()
    reasons: Counter[str] = Counter()
    first: dict[str, str] = {}
    values: Counter[tuple[str, str]] = Counter()
    for reason, source, line in rows:
        for part in reason.split("; "):
            general = _UNKNOWN_VALUE.sub(lambda m: f"unknown value in {m.group(1)}", part)
            reasons[general] += 1
            first.setdefault(general, f"{source}:{line}" if line is not None else source)
        for column, value, _ in _UNKNOWN_VALUE.findall(reason):
            values[(column, value)] += 1
    check.reasons = [(reason, n, first[reason]) for reason, n in reasons.most_common(sample)]
    check.unmapped_values = [(column, value, n) for (column, value), n in
                             sorted(values.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))]


def marts_by_stream(settings: Settings) -> dict[str, list[str]]:
    """For each raw stream, the marts that read it (through any model), from dbt's parsed lineage."""
    from lead_sla.transform.dbt import parsed_manifest

    manifest = parsed_manifest(settings)
    children: dict[str, list[str]] = manifest["child_map"]
    nodes = manifest["nodes"]
    found: dict[str, list[str]] = {}
    for unique_id, source in manifest["sources"].items():
        if source["name"] not in STREAM_NAMES:     # the agreement's and reference tables are not streams
            continue
        marts: set[str] = set()
        stack, seen = list(children.get(unique_id, [])), set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            info = nodes.get(node, {})
            if info.get("resource_type") == "model" and info.get("schema") == "marts":
                marts.add(f"marts.{info['name']}")
            stack.extend(children.get(node, []))
        found[source["name"]] = sorted(marts)
    return found


def check_mapping(settings: Settings, mapping: SourceMapping, *, up_to: date | None = None, sample: int = 5,
                  lineage: dict[str, list[str]] | None = None) -> MappingCheck:
    """Extract every stream of ``mapping`` from the landing folder into a throwaway database and describe it.

    Raises ``LandingFolderMissing`` when the landing folder does not exist, and ``MappingError`` for a
    mapping the extraction refuses as a whole (e.g. a lookup that matches no file).
    """
    landing_dir = settings.landing
    require_landing_folder(landing_dir)
    checks = []
    with tempfile.TemporaryDirectory(prefix="lead-sla-mapping-check-") as scratch:
        conn = duckdb.connect(str(Path(scratch) / "check.duckdb"))
        try:
            ensure_raw_schema(conn)
            for stream in STREAMS:
                check = StreamCheck(stream=stream.name, required=stream.name in REQUIRED_STREAMS)
                checks.append(check)
                if not mapping.loads_for(stream.name):
                    continue
                check.loads = _load_checks(landing_dir, mapping, stream.name, up_to)
                try:
                    report = extract_stream_files(conn, landing_dir, mapping, stream.name, up_to=up_to)
                except (MissingColumnError, MappingError) as exc:
                    check.error = str(exc)
                    continue
                check.rows_read, check.rows_filtered = report.rows_read, report.rows_filtered
                check.rows_landed, check.rows_repeated = report.rows_loaded, report.rows_duplicate
                check.rows_quarantined = report.rows_quarantined
                _quarantine(conn, check, sample)
        finally:
            conn.close()
    lineage = marts_by_stream(settings) if lineage is None else lineage
    for check in checks:
        if not check.has_data:
            check.marts_without_it = lineage.get(check.stream, [])
    return MappingCheck(mapping=mapping.name, landing_dir=landing_dir, streams=checks)


def describe(result: MappingCheck, *, sample: int = 5) -> list[str]:
    """The check as plain lines, stream by stream, ending with what the marts will lack."""
    lines = [f"Mapping {result.mapping!r} over {result.landing_dir}:"]
    for check in result.streams:
        need = "required" if check.required else "optional"
        if not check.loads:
            lines.append(f"{check.stream} ({need}): not in the mapping")
            continue
        files = sum(len(load.files) for load in check.loads)
        if check.error is not None:
            lines.append(f"{check.stream} ({need}): {files} files; cannot land: {check.error}")
            continue
        lines.append(f"{check.stream} ({need}): {files} files, {check.rows_read} rows read, {check.rows_landed} would land, "
                     f"{check.rows_repeated} repeated versions, {check.rows_filtered} filtered by `where`, {check.rows_quarantined} quarantined")
        for load in check.loads:
            lines.append(f"  load {load.key}: {len(load.files)} files matched")
            if load.files:
                lines.append(f"    mapped: {', '.join(load.mapped) or '(none)'}")
                where = "land as extra columns" if load.keeps_extras else "land nowhere"
                lines.append(f"    unmapped ({where}): {', '.join(load.unmapped) or '(none)'}")
        for reason, rows, place in check.reasons:
            lines.append(f"  quarantined: {rows} x {reason} (first at {place})")
        for column, value, rows in check.unmapped_values[: sample * 4]:
            lines.append(f"  value not mapped: {column} = {value} ({rows} rows); add it to the load's `values`")
        if len(check.unmapped_values) > sample * 4:
            lines.append(f"  ... and {len(check.unmapped_values) - sample * 4} more values not mapped")
    absent = [check for check in result.streams if not check.has_data]
    for check in absent:
        if check.marts_without_it:
            lines.append(f"No data for {check.stream}: built without it: {', '.join(check.marts_without_it)}")
    if result.missing_required:
        lines.append(f"Missing required streams: {', '.join(result.missing_required)} (a lead is a contact and a "
                     "handoff a lifecycle change: the night cannot hold anyone to the agreement without them)")
    return lines
