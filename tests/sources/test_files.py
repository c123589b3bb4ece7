"""Reading export files: a broken record costs only its own line(s), never the rest of the file."""

from __future__ import annotations

import pytest

from lead_sla.sources.files import read_csv

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
