"""Reading export files: a broken record costs only its own line(s), never the rest of the file."""

from __future__ import annotations

import pytest

from lead_sla.sources.files import read_csv, read_jsonl

HEADER = "id,name,note"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_an_unclosed_quote_costs_only_its_line():
    parsed = read_csv(csv_bytes(HEADER, "1,Ann,ok", '2,"Bob,broken', "3,Cy,ok", "4,Di,ok", "5,Ed,ok"))
    assert parsed.values["id"] == ["1", "3", "4", "5"]
    assert parsed.lines == [2, 4, 5, 6]
    assert [(r.line, r.reason, r.raw_text) for r in parsed.rejects] == [
        (3, "unclosed quote in field 2", '2,"Bob,broken')
    ]


def test_an_unclosed_quote_is_not_rescued_by_a_quoted_field_further_down():
    """The reader would close the quote at line 5's first quote; that record is not valid, so line 3 alone is bad."""
    parsed = read_csv(csv_bytes(HEADER, "1,Ann,ok", '2,Bob,"broken', "3,Cy,ok", '4,"Di",ok', "5,Ed,ok"))
    assert parsed.values["name"] == ["Ann", "Cy", "Di", "Ed"]
    assert [(r.line, r.reason) for r in parsed.rejects] == [(3, "unclosed quote in field 3")]


def test_a_quote_closed_by_chance_lines_later_is_not_taken_as_one_record():
    """Line 5's inch mark closes line 3's quote into a 4-field record: line 3 alone is bad, lines 4 and 5 land."""
    parsed = read_csv(csv_bytes(HEADER, "1,Ann,ok", '2,Bob,"broken', "3,Cy,ok", '4,27",ok'))
    assert parsed.values["id"] == ["1", "3", "4"]
    assert parsed.values["name"] == ["Ann", "Cy", '27"']
    assert [(r.line, r.reason, r.raw_text) for r in parsed.rejects] == [
        (3, "unclosed quote in field 3 (closing it on line 5 gives 4 fields, expected 3)", '2,Bob,"broken'),
    ]


def test_a_record_split_by_a_stray_line_break_quarantines_each_line():
    parsed = read_csv(csv_bytes(HEADER, '1,"Ann', 'Lee",ok,extra,more', "2,Bob,ok"))
    assert parsed.values["id"] == ["2"]
    assert [(r.line, r.reason, r.raw_text) for r in parsed.rejects] == [
        (2, "unclosed quote in field 2 (closing it on line 3 gives 5 fields, expected 3)", '1,"Ann'),
        (3, "expected 3 fields, got 4", 'Lee",ok,extra,more'),
    ]


@pytest.mark.parametrize(
    ("lines", "expected_note", "next_line"),
    [
        pytest.param([HEADER, '1,Ann,"first line', 'second line"', "2,Bob,ok"], "first line\nsecond line", 4,
                     id="lf"),
        pytest.param([HEADER, '1,Ann,"a ""quoted"" word,', "then more", 'and the end"', "2,Bob,ok"],
                     'a "quoted" word,\nthen more\nand the end', 5, id="escaped-quotes-and-commas"),
    ],
)
def test_a_closed_multi_line_quoted_field_is_one_record(lines, expected_note, next_line):
    parsed = read_csv(csv_bytes(*lines))
    assert parsed.rejects == []
    assert parsed.values["note"] == [expected_note, "ok"]
    assert parsed.lines == [2, next_line]


def test_a_multi_line_field_with_crlf_line_endings_keeps_its_text_and_line_numbers():
    data = b'id,name,note\r\n1,Ann,"one\r\ntwo"\r\n2,Bob,"open\r\n3,Cy,ok\r\n'
    parsed = read_csv(data)
    assert parsed.values["note"] == ["one\r\ntwo", "ok"]
    assert parsed.lines == [2, 5]
    assert [(r.line, r.reason, r.raw_text) for r in parsed.rejects] == [(4, "unclosed quote in field 3", '2,Bob,"open')]


def test_an_unclosed_quote_on_the_last_line():
    parsed = read_csv(csv_bytes(HEADER, "1,Ann,ok", '2,Bob,"never closed'))
    assert parsed.values["id"] == ["1"]
    assert [(r.line, r.reason) for r in parsed.rejects] == [(3, "unclosed quote in field 3")]


def test_text_after_a_closing_quote_is_malformed_but_costs_only_its_line():
    parsed = read_csv(csv_bytes(HEADER, '1,"Ann"x,ok', "2,Bob,ok"))
    assert parsed.values["id"] == ["2"]
    assert [(r.line, r.reason) for r in parsed.rejects] == [(2, "malformed CSV in field 2: ',' expected after '\"'")]


NAMES = "id,name\n"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        pytest.param(b"id,name\n1,M\xfcller\n", "latin-1", "Müller", id="latin-1"),
        pytest.param(b"id,name\n1,\x93Caf\xe9\x94 \x80\n", "cp1252", "\u201cCafé\u201d €", id="cp1252"),
        pytest.param("id,name\n1,Müller\n".encode(), "auto", "Müller", id="auto-utf-8-first"),
        pytest.param(b"id,name\n1,M\xfcller \x80\n", "auto", "Müller €", id="auto-then-cp1252"),
        pytest.param(b"id,name\n1,M\xfcller \x81\n", "auto", "Müller \x81", id="auto-then-latin-1"),
    ],
)
def test_a_declared_or_detected_encoding_reads_the_text_right(data, encoding, expected):
    parsed = read_csv(data, encoding)
    assert parsed.rejects == []
    assert parsed.values["name"] == [expected]


def test_auto_decides_line_by_line_so_utf_8_lines_stay_right_in_a_mixed_file():
    data = "id,name\n1,Müller\n".encode() + b"2,M\xfcller\n" + "3,Łódź\n".encode()
    assert read_csv(data, "auto").values["name"] == ["Müller", "Müller", "Łódź"]


def test_an_undecodable_line_is_rejected_with_its_original_bytes():
    bad = b'2,"M\xfcller\nand more"'
    parsed = read_csv(b"id,name\n1,Ann\n" + bad + b"\n3,Cy\n")
    assert parsed.values["id"] == ["1", "3"]
    assert parsed.lines == [2, 5]
    [reject] = parsed.rejects
    assert (reject.line, reject.raw_bytes, reject.raw_text) == (3, bad, '2,"M\ufffdller\nand more"')
    assert reject.reason.startswith("invalid UTF-8 bytes at byte 4 (0xFC)")


def test_an_undecodable_json_line_is_rejected_with_its_original_bytes():
    bad = b'{"id": "2", "name": "M\xfcller"}'
    parsed = read_jsonl(b'{"id": "1", "name": "Ann"}\n' + bad + b"\n")
    assert parsed.values["name"] == ["Ann"]
    [reject] = parsed.rejects
    assert (reject.line, reject.raw_bytes) == (2, bad)
    assert reject.reason.startswith("invalid UTF-8 bytes at byte 22 (0xFC)")


def test_json_lines_in_a_declared_encoding():
    parsed = read_jsonl(b'{"id": "1", "name": "M\xfcller"}\r\n', "cp1252")
    assert (parsed.values["name"], parsed.sources, parsed.rejects) == (["Müller"], ['{"id": "1", "name": "Müller"}'], [])
