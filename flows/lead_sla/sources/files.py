"""The file-export connector: reads CSV, JSON Lines and Parquet files into columnar text.

Reading never stops at a bad record: a line that is not valid UTF-8, not valid JSON, or has
the wrong number of CSV fields becomes a ``Reject`` with its line number, reason and raw text,
and the good records around it are kept. Types are checked later, in the landing step.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from lead_sla.sources.mapping import FileFormat

LINE_COLUMN = "_line"
_SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Reject:
    """A record that could not be read: where, why, and the text as it was."""

    line: int | None
    reason: str
    raw_text: str


@dataclass
class ParsedFile:
    """A file's records as text columns (source names, first-seen order) plus its rejects."""

    columns: list[str] = field(default_factory=list)
    values: dict[str, list[str | None]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    is_empty: bool = False

    @property
    def row_count(self) -> int:
        return len(self.lines)

    def to_arrow(self) -> pa.Table:
        """The good records as an Arrow table of strings, with their line numbers in ``_line``."""
        arrays = {name: pa.array(self.values[name], type=pa.string()) for name in self.columns}
        arrays[LINE_COLUMN] = pa.array(self.lines, type=pa.int64())
        return pa.table(arrays)

    def add_record(self, line: int, record: dict[str, str | None]) -> None:
        """Append one good record; columns first seen here are back-filled with nulls."""
        count = len(self.lines)
        for name, value in record.items():
            if name not in self.values:
                self.columns.append(name)
                self.values[name] = [None] * count
            self.values[name].append(value)
        for name in self.columns:
            if len(self.values[name]) == count:
                self.values[name].append(None)
        self.lines.append(line)


def sha256_of(path: Path) -> str:
    """Content hash of a file: the same export dropped twice is recognised whatever its name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def as_text(value: object) -> str | None:
    """A JSON or Parquet value as the text a raw column stores (booleans true/false)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return orjson.dumps(value).decode()


def _shown(raw: bytes | str) -> str:
    """Raw text safe to store: undecodable bytes shown as U+FFFD."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return _SURROGATES.sub("\ufffd", raw)


def read_jsonl(data: bytes) -> ParsedFile:
    parsed = ParsedFile()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            parsed.rejects.append(Reject(number, f"invalid UTF-8 bytes at byte {exc.start}", _shown(raw)))
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            parsed.rejects.append(Reject(number, f"not valid JSON ({exc}); truncated line?", _shown(raw)))
            continue
        if not isinstance(record, dict):
            parsed.rejects.append(Reject(number, "not a JSON object", _shown(raw)))
            continue
        parsed.add_record(number, {str(k): as_text(v) for k, v in record.items()})
    return parsed


def read_csv(data: bytes) -> ParsedFile:
    parsed = ParsedFile()
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    physical = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.rejects.append(Reject(1, "no header row", _shown(text[:1000])))
        return parsed
    header = [name.strip() for name in header]
    parsed.columns = list(header)
    parsed.values = {name: [] for name in header}
    previous_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raw = "\n".join(physical[previous_line:])
            parsed.rejects.append(Reject(previous_line + 1, f"malformed CSV ({exc}); truncated file?", _shown(raw)))
            break
        first, previous_line = previous_line + 1, reader.line_num
        raw = "\n".join(physical[first - 1 : previous_line])
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if _SURROGATES.search(raw):
            parsed.rejects.append(Reject(first, "invalid UTF-8 bytes", _shown(raw)))
        elif len(row) != len(header):
            hint = "; truncated line?" if len(row) < len(header) else ""
            parsed.rejects.append(Reject(first, f"expected {len(header)} fields, got {len(row)}{hint}", raw))
        else:
            for name, value in zip(header, row):
                parsed.values[name].append(value)
            parsed.lines.append(first)
    return parsed


def read_parquet(path: Path) -> ParsedFile:
    table = pq.read_table(path)
    parsed = ParsedFile(columns=list(table.column_names))
    for name in table.column_names:
        column = table.column(name)
        parsed.values[name] = [as_text(v) for v in column.to_pylist()]
    parsed.lines = list(range(1, table.num_rows + 1))
    return parsed


def read_file(path: Path, fmt: FileFormat) -> ParsedFile:
    """Read one export file. An empty file gives an empty ``ParsedFile`` with ``is_empty``."""
    if path.stat().st_size == 0:
        return ParsedFile(is_empty=True)
    if fmt == "parquet":
        return read_parquet(path)
    data = path.read_bytes()
    return read_jsonl(data) if fmt == "jsonl" else read_csv(data)
