"""The fast readers give exactly what the plain line-by-line, record-by-record readers gave.

The reference readers below are the straightforward versions the package used to ship (one
decode, one JSON parse and one row per line); they stay here, outside the package, as the
definition of the output: the same columns in the same order, the same text for every value,
the same lines and records as read, the same rejects (line, reason, raw text and raw bytes).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lead_sla.demo import generate
from lead_sla.sources.files import (
    ParsedFile,
    Reject,
    _csv_lines,
    _csv_records,
    _undecodable,
    _without_line_end,
    as_text,
    decode,
    read_csv,
    read_file,
    read_jsonl,
)


def reference_add_record(parsed: ParsedFile, line: int, record: dict[str, str | None], source: str) -> None:
    count = len(parsed.lines)
    for name, value in record.items():
        if name not in parsed.values:
            parsed.columns.append(name)
            parsed.values[name] = [None] * count
        parsed.values[name].append(value)
    for name in parsed.columns:
        if len(parsed.values[name]) == count:
            parsed.values[name].append(None)
    parsed.lines.append(line)
    parsed.sources.append(source)


def reference_read_jsonl(data: bytes, encoding: str = "utf-8") -> ParsedFile:
    import orjson

    parsed = ParsedFile()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        raw = raw.removesuffix(b"\r")
        try:
            text = decode(raw, encoding)
        except UnicodeDecodeError:
            parsed.rejects.append(_undecodable(raw, encoding, number))
            continue
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            parsed.rejects.append(Reject(number, f"not valid JSON ({exc}); truncated line?", text))
            continue
        if not isinstance(record, dict):
            parsed.rejects.append(Reject(number, "not a JSON object", text))
            continue
        reference_add_record(parsed, number, {str(k): as_text(v) for k, v in record.items()}, text)
    return parsed


def reference_read_csv(data: bytes, encoding: str = "utf-8") -> ParsedFile:
    import csv

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
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            hint = "; truncated line?" if len(row) < len(header) else ""
            parsed.rejects.append(
                Reject(first + 1, f"expected {len(header)} fields, got {len(row)}{hint}", _without_line_end(raw))
            )
        else:
            for name, value in zip(header, row):
                parsed.values[name].append(value)
            parsed.lines.append(first + 1)
            parsed.sources.append(_without_line_end(raw))
    return parsed


def as_compared(parsed: ParsedFile) -> tuple:
    return (parsed.columns, parsed.values, parsed.lines, parsed.sources, parsed.rejects, parsed.is_empty)


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A small demo company's exports: every stream, with the broken lines the simulator plants."""
    out = tmp_path_factory.mktemp("exports")
    generate(out, leads=300, days=20, seed=5, end_date=date(2026, 10, 31))
    return sorted(p for p in out.rglob("*") if p.suffix in (".jsonl", ".csv"))


def damaged(data: bytes) -> bytes:
    """``data`` with broken lines: one cut in half, one with a byte UTF-8 cannot read, one of spaces."""
    lines = data.split(b"\n")
    if len(lines) > 3:
        cut, bad = len(lines) // 3, 2 * len(lines) // 3
        lines[cut] = lines[cut][: len(lines[cut]) // 2]
        lines[bad] = lines[bad][:5] + b"\xfc" + lines[bad][5:]
        lines.insert(bad, b"   ")
    return b"\n".join(lines)


@pytest.mark.parametrize("damage", [pytest.param(False, id="as-exported"), pytest.param(True, id="damaged")])
def test_every_demo_export_reads_as_the_reference_reads_it(demo_exports, damage):
    streams = {p.parent.parent.name for p in demo_exports}
    assert {"web_sessions", "contacts", "email_events"} <= streams and len(streams) >= 10
    assert {p.suffix for p in demo_exports} == {".jsonl", ".csv"}, "the demo should export both text formats"
    rows = rejects = 0
    for path in demo_exports:
        data = damaged(path.read_bytes()) if damage else path.read_bytes()
        for encoding in ("utf-8", "auto"):
            if path.suffix == ".jsonl":
                expected, actual = reference_read_jsonl(data, encoding), read_jsonl(data, encoding)
            else:
                expected, actual = reference_read_csv(data, encoding), read_csv(data, encoding)
            assert as_compared(actual) == as_compared(expected), (path, encoding)
            rows, rejects = rows + expected.row_count, rejects + len(expected.rejects)
    assert rows > 10_000
    assert (rejects > 0) == damage


def test_a_demo_export_file_reads_as_its_bytes_do(demo_exports):
    for path in demo_exports[:: max(1, len(demo_exports) // 10)]:
        fmt = "jsonl" if path.suffix == ".jsonl" else "csv"
        reference = reference_read_jsonl if fmt == "jsonl" else reference_read_csv
        assert as_compared(read_file(path, fmt)) == as_compared(reference(path.read_bytes())), path


def _object(i: int) -> dict[str, object]:
    return {"id": str(i), "n": i, "score": i / 4, "ok": i % 2 == 0}


LATE_KEY = b"\n".join(json.dumps(_object(i)).encode() for i in range(300)) + b'\n{"id": "x", "late": {"a": [1, 2.50]}}\n'
MIXED_TYPES = b"\n".join(
    json.dumps({"v": value}).encode() for value in ["a", 1, 2.5, True, None, [1], {"b": "c"}, 1e16, -0.0, 10**30] * 40
)

JSONL_CASES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"\n\n  \t\n", id="only-blank-lines"),
    pytest.param('{"a": 1}\n\u00a0\n{"a": 2}\n'.encode(), id="a-no-break-space-line-is-not-blank"),
    pytest.param(b'{"a": "1"}\r\n\r\n{"a": "2"}\r\n', id="crlf"),
    pytest.param(b'{"a": "1"}\r{"a": "2"}\n', id="lone-cr"),
    pytest.param('\ufeff{"a": "1"}\n{"a": "2"}\n'.encode(), id="byte-order-mark"),
    pytest.param('{"a": "1"}\n\ufeff{"a": "2"}\n'.encode(), id="byte-order-mark-mid-file"),
    pytest.param(b'{"a": "1"}\n{"a": "M\xfcller"}\n{"a": "3"}', id="undecodable-in-utf-8"),
    pytest.param(b'{"a": "1"}\n{"a": "\xe2\x82"}\n', id="truncated-utf-8-sequence"),
    pytest.param(b'{"a": "1"}\n{"a": "\x81\x8d"}\n', id="bytes-cp1252-cannot-read"),
    pytest.param(b'{"a": "1", "b": tru\n[1, 2]\n3\n"text"\nnull\n{"b": "x"', id="broken-and-not-objects"),
    pytest.param(b'{"a": 1, "a": 2, "b": "\\u00e9\\n"}\n{"b": null}\n', id="duplicate-keys-and-escapes"),
    pytest.param(LATE_KEY, id="a-key-first-seen-after-300-records"),
    pytest.param(MIXED_TYPES, id="every-json-type-in-one-column"),
    pytest.param(LATE_KEY + b'{"id": 1\n' + LATE_KEY + b"[1]\n\xff\n" + LATE_KEY, id="broken-lines-in-later-batches"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "auto", "cp1252", "latin-1", "utf-8-sig", "iso-8859-15"])
@pytest.mark.parametrize("data", JSONL_CASES)
def test_json_lines_read_as_the_reference_reads_them(data, encoding):
    assert as_compared(read_jsonl(data, encoding)) == as_compared(reference_read_jsonl(data, encoding))


CSV_CASES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"id,name\n", id="header-only"),
    pytest.param(b"id,name\n1,Ann\n\n2,Bob\n", id="blank-line"),
    pytest.param(b"id,name\r\n1,Ann\r\n2,\"Bo\r\nb\"\r\n", id="crlf-and-multi-line-field"),
    pytest.param(b'id,name\n1,"Ann\n2,Bob\n3,"Cy"x\n4,Di,extra\n5\n', id="broken-quotes-and-widths"),
    pytest.param(b"id,name\n1,M\xfcller\n2,Bob\n", id="undecodable-in-utf-8"),
    pytest.param("\ufeffid,name\n1,Łódź\n".encode(), id="byte-order-mark"),
    pytest.param(b" id , name\n1,Ann\n", id="header-names-trimmed"),
    pytest.param(b"id,id\n1,2\n3,4\n", id="duplicate-header"),
    pytest.param(b"id\n1\n  \n\n2\n", id="one-column-with-blank-lines"),
    pytest.param(b"\n1,2\n\n", id="blank-header"),
    pytest.param(b"\n".join(b"%d,name %d" % (i, i) for i in range(1000)), id="many-rows-no-final-newline"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "auto", "cp1252", "latin-1"])
@pytest.mark.parametrize("data", CSV_CASES)
def test_csv_reads_as_the_reference_reads_it(data, encoding):
    assert as_compared(read_csv(data, encoding)) == as_compared(reference_read_csv(data, encoding))


def test_the_comparison_sees_a_difference_in_values():
    """The comparison is not vacuous: a different number text or a dropped reject is a difference."""
    base = reference_read_jsonl(b'{"a": 1.50}\n{"a": tru\n')
    assert base.values == {"a": ["1.5"]} and [r.line for r in base.rejects] == [2]
    assert as_compared(reference_read_jsonl(b'{"a": 1.5}\n{"a": true}\n')) != as_compared(base)
