"""The file-export connector: reads CSV, JSON Lines and Parquet files into columnar text.

Reading never stops at a bad record: a line that its encoding cannot decode, that is not valid
JSON, has the wrong number of CSV fields or a quote it never closes becomes a ``Reject`` with
its line number, reason and raw text (and, when it could not be decoded, its original bytes),
and the good records around it are kept. Types are checked later, in the landing step.

Text files are read in the mapping's ``encoding`` (UTF-8 by default). ``auto`` reads each line
as UTF-8, else as Windows-1252 (cp1252), else as Latin-1, which reads any byte: UTF-8 first
because a Windows-1252 text is almost never valid UTF-8 by accident, while the converse fails
on the first accented letter; line by line so that one pasted-in line does not garble the rest.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from lead_sla.sources.mapping import AUTO_ENCODING, FileFormat

LINE_COLUMN = "_line"
SOURCE_TEXT_COLUMN = "_source_text"
_AUTO_TRIES = ("utf-8", "cp1252")  # then Latin-1, which reads any byte
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips
_TEXT_TYPES = frozenset({str, type(None)})  # JSON values that land as they are
_NUMBER_TEXT = {int: int.__repr__, float: float.__repr__}  # as_text of each, for exactly that type
_OBJECT_TYPE = frozenset({dict})
_JSONL_BATCH = 256  # JSON Lines records whose columns are built together


@dataclass(frozen=True)
class Reject:
    """A record that could not be read: where, why, and the text as it was.

    ``raw_bytes`` holds the record's original bytes when they could not be decoded (``raw_text``
    then shows the undecodable bytes as U+FFFD), so quarantine loses nothing.
    """

    line: int | None
    reason: str
    raw_text: str
    raw_bytes: bytes | None = None


@dataclass
class ParsedFile:
    """A file's records as text columns (source names, first-seen order) plus its rejects.

    ``sources`` holds, beside each record's line number, the record as it was read (its line or
    lines for CSV and JSON Lines, a JSON object of the source row for Parquet and API records):
    what quarantine keeps when a value fails its check.
    """

    columns: list[str] = field(default_factory=list)
    values: dict[str, list[str | None]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    is_empty: bool = False

    @property
    def row_count(self) -> int:
        return len(self.lines)

    def to_arrow(self) -> pa.Table:
        """The good records as an Arrow table of strings, with their line numbers in ``_line``
        and the records as read in ``_source_text``."""
        arrays = {name: pa.array(self.values[name], type=pa.string()) for name in self.columns}
        arrays[LINE_COLUMN] = pa.array(self.lines, type=pa.int64())
        arrays[SOURCE_TEXT_COLUMN] = pa.array(self.sources, type=pa.string())
        return pa.table(arrays)

    def add_record(self, line: int, record: dict[str, str | None], source: str) -> None:
        """Append one good record read as ``source``; columns first seen here are back-filled with nulls."""
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
        self.sources.append(source)


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


def as_json(record: dict[str, object]) -> str:
    """A source record (Parquet row, API record) as one JSON object: how quarantine shows it."""
    return orjson.dumps(record, default=str).decode()


def decode(raw: bytes, encoding: str) -> str:
    """``raw`` as text in ``encoding`` (``auto``: UTF-8, else cp1252, else Latin-1).

    Raises ``UnicodeDecodeError`` when ``encoding`` cannot read the bytes (never for ``auto``).
    """
    if encoding != AUTO_ENCODING:
        return raw.decode(encoding)
    for candidate in _AUTO_TRIES:
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # every byte is a Latin-1 character


def _undecodable(raw: bytes, encoding: str, line: int) -> Reject:
    """The reject of a record ``encoding`` cannot decode: where its first bad byte is, and all its bytes."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        position = exc.start
    else:
        raise ValueError(f"line {line} decodes as {encoding}; nothing to reject")
    label = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    reason = (
        f"invalid {label} bytes at byte {position} (0x{raw[position]:02X}); "
        "if the export is not in this encoding, set `encoding` in the mapping"
    )
    return Reject(line, reason, raw.decode(encoding, errors="replace"), raw)


def _whole_file_codec(encoding: str) -> str | None:
    """The codec that decodes a whole file in ``encoding`` into the text that decoding it line by
    line would give, provided the whole file decodes; None when there is none.

    ``auto`` reads a line as UTF-8 whenever it can, so a file that is all UTF-8 reads as UTF-8.
    Every other ASCII-keeping codec exports use (UTF-8, cp1252, Latin-1 ...) is stateless and has
    no character holding a line-feed byte, except ``utf-8-sig``, which drops a byte-order mark at
    the start of each line it decodes.
    """
    if encoding == AUTO_ENCODING:
        return "utf-8"
    return None if codecs.lookup(encoding).name == "utf-8-sig" else encoding


def _jsonl_lines(data: bytes, encoding: str, rejects: list[Reject]) -> tuple[list[int], list[str]]:
    """The non-blank lines of ``data``, decoded and without their CR LF or LF, and their numbers.

    A line ``encoding`` cannot decode goes to ``rejects`` instead. The file is decoded at once
    when it can be; only a file with an undecodable line is decoded line by line.
    """
    codec = _whole_file_codec(encoding)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            lines = text.split("\n")
            if "\r" in text:
                lines = [line.removesuffix("\r") for line in lines]
            # bytes.strip()'s whitespace, not str.strip()'s: a line of no-break spaces is not blank
            numbers = [number for number, line in enumerate(lines, start=1) if line.strip(_ASCII_WHITESPACE)]
            return numbers, lines if len(numbers) == len(lines) else [lines[number - 1] for number in numbers]
    numbers, texts = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        raw = raw.removesuffix(b"\r")
        try:
            texts.append(decode(raw, encoding))
        except UnicodeDecodeError:
            rejects.append(_undecodable(raw, encoding, number))
            continue
        numbers.append(number)
    return numbers, texts


def _append_columns(parsed: ParsedFile, records: list[dict[str, object]], count: int) -> None:
    """Append ``records`` (JSON objects read after ``count`` others) to ``parsed``, column by column.

    A key first seen here becomes a column back-filled with nulls; a column a record lacks gets a
    null. Column by column, in batches small enough to stay in the CPU's cache: one C-level pass
    per column instead of a Python loop over every value of every record.
    """
    for name in dict.fromkeys(itertools.chain.from_iterable(records)):
        if name not in parsed.values:
            parsed.columns.append(name)
            parsed.values[name] = [None] * count
    for name, column in parsed.values.items():
        batch = list(map(dict.get, records, itertools.repeat(name)))
        if not _TEXT_TYPES.issuperset(map(type, batch)):
            types = set(map(type, batch))
            # a column of one number type (a count, an amount) converts with one C call per value
            same = _NUMBER_TEXT.get(types.pop()) if len(types) == 1 else None
            batch = list(map(same, batch)) if same else [as_text(value) for value in batch]
        column.extend(batch)


def read_jsonl(data: bytes, encoding: str = "utf-8") -> ParsedFile:
    """Read a JSON Lines export: one JSON object per line, blank lines ignored.

    Columns are in the order their keys are first seen; each good line's own text is kept as
    the record as read.
    """
    parsed = ParsedFile()
    numbers, texts = _jsonl_lines(data, encoding, parsed.rejects)
    for start in range(0, len(texts), _JSONL_BATCH):
        batch_numbers, batch_texts = numbers[start : start + _JSONL_BATCH], texts[start : start + _JSONL_BATCH]
        try:
            # each line is parsed on its own, as below; this only skips the loop when all are objects
            records = list(map(orjson.loads, batch_texts))
        except orjson.JSONDecodeError:
            records = None
        if records is None or not _OBJECT_TYPE.issuperset(map(type, records)):
            records, batch_numbers, batch_texts = _json_objects(batch_numbers, batch_texts, parsed.rejects)
        _append_columns(parsed, records, len(parsed.lines))
        parsed.lines.extend(batch_numbers)
        parsed.sources.extend(batch_texts)
    parsed.rejects.sort(key=lambda reject: reject.line or 0)  # undecodable and unparseable lines, in file order
    return parsed


def _json_objects(numbers: list[int], texts: list[str], rejects: list[Reject]
                  ) -> tuple[list[dict[str, object]], list[int], list[str]]:
    """The lines of ``texts`` that are JSON objects (parsed, with their numbers and texts); the others to ``rejects``."""
    records, good_numbers, good_texts = [], [], []
    for number, text in zip(numbers, texts):
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            rejects.append(Reject(number, f"not valid JSON ({exc}); truncated line?", text))
            continue
        if not isinstance(record, dict):
            rejects.append(Reject(number, "not a JSON object", text))
            continue
        records.append(record)
        good_numbers.append(number)
        good_texts.append(text)
    return records, good_numbers, good_texts


def _without_line_end(text: str) -> str:
    """``text`` without its final line break (CR LF, LF or CR)."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text


def _quote_problem(line: str) -> tuple[int, str] | None:
    """How ``line``, read on its own, breaks CSV quoting: (1-based field, what) or None.

    Follows the csv module's rules: a quote opens a quoted field only at the start of a field,
    ``""`` inside one is a literal quote, and a closing quote must end the field.
    """
    text = _without_line_end(line)
    field, quoted, at_field_start, after_close = 1, False, True, False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"':
                if text.startswith('"', i + 1):
                    i += 2
                    continue
                quoted, after_close = False, True
        elif char == ",":
            field, at_field_start, after_close = field + 1, True, False
            i += 1
            continue
        elif after_close:
            return field, "text after the closing quote"
        elif char == '"' and at_field_start:
            quoted = True
        at_field_start = False
        i += 1
    return (field, "unclosed quote") if quoted else None


def _malformed_reason(line: str, error: csv.Error) -> str:
    problem = _quote_problem(line)
    if problem is None:
        return f"malformed CSV ({error})"
    field, what = problem
    return f"unclosed quote in field {field}" if what == "unclosed quote" else f"malformed CSV in field {field}: {error}"


def _csv_records(lines: list[str], start: int, width: int) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """Each record from line index ``start`` on: (first, last, fields, None), or (i, i, None, reason) for a broken line.

    A record spanning several lines (a quoted field holding line breaks) is taken only when it has
    ``width`` fields. Otherwise, and whenever the csv module gives up (a quote left open up to the
    end of the file), the record's first line alone is broken and reading starts again at the
    next line: one stray quote costs its own line, never the rest of the file.
    """
    position = start
    while position < len(lines):
        reader = csv.reader(itertools.islice(lines, position, None), strict=True)
        done = 0  # lines this reader has consumed in good records
        try:
            for row in reader:
                first, last = position + done, position + reader.line_num - 1
                if last > first and len(row) != width:
                    field, _ = _quote_problem(lines[first]) or (0, "")
                    yield first, first, None, (
                        f"unclosed quote in field {field} "
                        f"(closing it on line {last + 1} gives {len(row)} fields, expected {width})"
                    )
                    break
                done = reader.line_num
                yield first, last, row, None
            else:
                return
        except csv.Error as exc:
            first = position + done
            yield first, first, None, _malformed_reason(lines[first], exc)
        position = first + 1


def _csv_lines(data: bytes, encoding: str) -> tuple[list[str], list[bytes] | None, set[int]]:
    """The file's physical lines as text (with their line breaks), split where the csv module
    splits them (LF, CR LF, CR) so line numbers match the file's.

    Also returns, when some line could not be decoded, every line's original bytes and the
    indexes of the undecodable lines (shown with U+FFFD in the text); else None and no indexes.
    """
    try:
        # Whole file at once when it can be; ``auto`` decides line by line unless it is all UTF-8.
        text = data.decode("utf-8" if encoding == AUTO_ENCODING else encoding)
    except UnicodeDecodeError:
        pass
    else:
        return io.StringIO(text, newline="").readlines(), None, set()
    raw_lines = data.splitlines(keepends=True)
    lines: list[str] = []
    undecodable: set[int] = set()
    for index, raw in enumerate(raw_lines):
        try:
            lines.append(decode(raw, encoding))
        except UnicodeDecodeError:
            lines.append(raw.decode(encoding, errors="replace"))
            undecodable.add(index)
    return lines, raw_lines, undecodable


def read_csv(data: bytes, encoding: str = "utf-8") -> ParsedFile:
    """Read a CSV export whose first line is the header; a broken record costs only its own line(s)."""
    parsed = ParsedFile()
    lines, raw_lines, undecodable = _csv_lines(data, encoding)
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    header_reader = csv.reader(lines, strict=True)
    try:
        header = next(header_reader)
    except (StopIteration, csv.Error):
        parsed.rejects.append(Reject(1, "no header row", "".join(lines[:20])[:1000]))
        return parsed
    header = [name.strip() for name in header]
    parsed.columns = list(header)
    parsed.values = {name: [] for name in header}
    for first, last, row, problem in _csv_records(lines, header_reader.line_num, len(header)):
        raw = lines[first] if first == last else "".join(lines[first : last + 1])
        if raw_lines is not None and not undecodable.isdisjoint(range(first, last + 1)):
            record_bytes = b"".join(raw_lines[first : last + 1]).rstrip(b"\r\n")
            parsed.rejects.append(_undecodable(record_bytes, encoding, first + 1))
            continue
        if problem is not None:
            parsed.rejects.append(Reject(first + 1, problem, _without_line_end(raw)))
            continue
        assert row is not None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            hint = "; truncated line?" if len(row) < len(header) else ""
            reason = f"expected {len(header)} fields, got {len(row)}{hint}"
            parsed.rejects.append(Reject(first + 1, reason, _without_line_end(raw)))
        else:
            for name, value in zip(header, row):
                parsed.values[name].append(value)
            parsed.lines.append(first + 1)
            parsed.sources.append(_without_line_end(raw))
    return parsed


def read_parquet(path: Path) -> ParsedFile:
    table = pq.read_table(path)
    parsed = ParsedFile(columns=list(table.column_names))
    for name in table.column_names:
        column = table.column(name)
        parsed.values[name] = [as_text(v) for v in column.to_pylist()]
    parsed.lines = list(range(1, table.num_rows + 1))
    parsed.sources = [as_json(row) for row in table.to_pylist()]
    return parsed


def read_file(path: Path, fmt: FileFormat, encoding: str = "utf-8") -> ParsedFile:
    """Read one export file (text formats in ``encoding``; Parquet carries its own).

    An empty file gives an empty ``ParsedFile`` with ``is_empty``.
    """
    if path.stat().st_size == 0:
        return ParsedFile(is_empty=True)
    if fmt == "parquet":
        return read_parquet(path)
    data = path.read_bytes()
    return read_jsonl(data, encoding) if fmt == "jsonl" else read_csv(data, encoding)
