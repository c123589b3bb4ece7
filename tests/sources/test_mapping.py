"""Source mappings: the shipped ones load; a wrong one fails naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import find_project_root
from lead_sla.sources.mapping import MappingError, SourceMapping, load_mapping
from lead_sla.warehouse import connect

ROOT = find_project_root(Path(__file__).parent)
OLIST = ROOT.parent / "shared" / "data" / "olist-marketing-funnel"


@pytest.mark.parametrize("name", [pytest.param("demo.yml", id="demo"), pytest.param("olist.yml", id="olist"),
                                  pytest.param("hubspot.yml", id="hubspot"),
                                  pytest.param("salesforce.yml", id="salesforce")])
def test_shipped_mappings_are_valid(name):
    mapping = load_mapping(ROOT / "config" / "sources" / name)
    assert mapping.streams


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("name: x\nloads: [{stream: leads, files: '*.csv'}]\n", "unknown stream 'leads'", id="unknown-stream"),
        pytest.param("name: x\nloads: [{stream: contacts, files: '*.csv', columns: {colour: x}}]\n",
                     "has no column 'colour'", id="unknown-target-column"),
        pytest.param("name: x\ntimezone: Mars/Olympus\nloads: []\n", "unknown IANA time zone", id="bad-zone"),
        pytest.param("name: x\nloads: [{stream: contacts}]\n", "loads.0.files", id="missing-files"),
        pytest.param("name: [unclosed\n", "not valid YAML", id="bad-yaml"),
    ],
)
def test_an_invalid_mapping_names_file_and_field(tmp_path, body, message):
    path = tmp_path / "bad.yml"
    path.write_text(body)
    with pytest.raises(MappingError, match="bad.yml") as info:
        load_mapping(path)
    assert message in str(info.value)


@pytest.mark.skipif(not OLIST.exists(), reason="the Olist export lives in ../shared/data, absent here")
def test_the_olist_export_loads_8000_mqls_and_842_won_deals(tmp_path):
    mapping = load_mapping(ROOT / "config" / "sources" / "olist.yml")
    conn = connect(tmp_path / "olist.duckdb")
    ensure_raw_schema(conn)
    reports = {s: extract_stream_files(conn, OLIST, mapping, s) for s in mapping.streams}
    assert all(r.rows_quarantined == 0 for r in reports.values())
    assert conn.execute("select count(distinct contact_id) from raw.contacts").fetchone() == (8000,)
    assert conn.execute("select count(*) from raw.lifecycle_changes where to_stage = 'mql'").fetchone() == (8000,)
    assert conn.execute("select count(*), count(distinct deal_id) from raw.deals where is_won = 'true'").fetchone() == (842, 842)
    # Quirks: 'unknown' and '' mean missing; the misspelled segment is fixed; undeclared revenue is missing.
    assert conn.execute("select count(*) from raw.contacts where source = 'unknown'").fetchone() == (0,)
    assert conn.execute("select count(*) from raw.companies where industry = 'jewerly'").fetchone() == (0,)
    assert conn.execute("select count(*) from raw.companies where industry = 'jewelry'").fetchone()[0] > 0
    assert conn.execute("select count(*) from raw.companies where annual_revenue is not null").fetchone() == (45,)
    # Unmapped columns land too (no loss); naive times are read in Sao Paulo time, and the
    # first contact date (date-only) at 12:00 UTC of its day.
    assert conn.execute("select count(lead_behaviour_profile) from raw.deals").fetchone()[0] > 0
    # ... once: with the deals (extra_columns: true), not with the file's other streams
    for table in ("lifecycle_changes", "companies"):
        columns = {c for (c,) in conn.execute(f"select column_name from (describe raw.{table})").fetchall()}
        assert not columns & {"lead_behaviour_profile", "landing_page_id", "sdr_id"}, table
    assert conn.execute("select count(landing_page_id) from raw.contacts").fetchone() == (8000,)
    assert conn.execute("select min(created_at) from raw.deals").fetchone() == ("2017-12-05 04:00:00",)  # UTC-2 (DST)
    assert conn.execute(
        "select count(*), count(*) filter (where created_at like '% 12:00:00') from raw.contacts"
    ).fetchone() == (8000, 8000)
    assert conn.execute("select created_at from raw.contacts where contact_id = 'dac32acd4db4c29c230538b72f8dd87d'"
                        ).fetchone() == ("2018-02-01 12:00:00",)
    conn.close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("name: x\nencoding: klingon\nloads: []\n", "encoding: Value error, unknown encoding 'klingon'",
                     id="unknown-encoding"),
        pytest.param("name: x\nloads: [{stream: contacts, files: '*.csv', encoding: utf-16}]\n",
                     "loads.0.encoding: Value error, encoding 'utf-16' is not supported", id="not-ascii-compatible"),
    ],
)
def test_an_unusable_encoding_is_refused_naming_file_and_place(tmp_path, body, message):
    path = tmp_path / "bad.yml"
    path.write_text(body)
    with pytest.raises(MappingError, match="bad.yml") as info:
        load_mapping(path)
    assert message in str(info.value)


def test_a_load_inherits_the_mapping_encoding_unless_it_declares_its_own(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text(
        "name: x\nencoding: auto\nloads:\n"
        "  - {stream: contacts, files: a.csv}\n"
        "  - {stream: deals, files: b.csv, encoding: Latin-1}\n"
    )
    mapping = load_mapping(path)
    assert [mapping.encoding_for(load) for load in mapping.loads] == ["auto", "Latin-1"]
    assert SourceMapping(name="y", loads=[]).encoding == "utf-8"


def write_mapping(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "m.yml"
    path.write_text(body)
    return path


def test_value_maps_and_missing_values_keep_the_text_as_typed(tmp_path):
    """YAML 1.1 would read NO as false, 007 as 7 and 1.10 as 1.1: a mapping is text, so they stay as typed."""
    mapping = load_mapping(write_mapping(tmp_path, (
        "name: x\nmissing_values: ['', N/A, no, '-']\n"
        "loads:\n"
        "  - stream: companies\n"
        "    files: c.csv\n"
        "    missing_values: [n/a, off]\n"
        "    values:\n"
        "      country: {Norway: NO, Yes: Y, 007: James, 1.10: on}\n"
        "      industry: {2026-03-02: dated}\n"
    )))
    assert mapping.missing_values == ["", "N/A", "no", "-"]
    [load] = mapping.loads
    assert load.missing_values == ["n/a", "off"]
    assert load.values == {
        "country": {"Norway": "NO", "Yes": "Y", "007": "James", "1.10": "on"},
        "industry": {"2026-03-02": "dated"},
    }


@pytest.mark.parametrize(
    ("values", "place"),
    [
        pytest.param("{Norway: ~}", "loads.0.values.country.Norway", id="null-value"),
        pytest.param("{null: Nowhere}", "loads.0.values.country (key null)", id="null-key"),
    ],
)
def test_a_null_in_a_value_map_is_refused_with_how_to_quote_it(tmp_path, values, place):
    path = write_mapping(tmp_path, f"name: x\nloads:\n  - {{stream: companies, files: c.csv, values: {{country: {values}}}}}\n")
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {place}: ")
    assert "quote it" in message and "missing_values" in message


def test_an_unknown_key_is_refused_naming_file_and_place(tmp_path):
    path = write_mapping(tmp_path, "name: x\nloads:\n  - {stream: companies, files: c.csv, colums: {}}\n")
    with pytest.raises(MappingError, match=r"m\.yml: loads\.0\.colums: Extra inputs are not permitted"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("date_columns", "message"),
    [
        pytest.param("[email]", "loads.0.date_columns: Value error, 'email' is not a timestamp column of stream 'contacts'",
                     id="not-a-timestamp"),
        pytest.param("[born_at]", "loads.0.date_columns: Value error, stream 'contacts' has no column 'born_at'",
                     id="unknown"),
    ],
)
def test_date_columns_must_be_timestamp_columns_of_the_stream(tmp_path, date_columns, message):
    path = write_mapping(tmp_path, f"name: x\nloads:\n  - {{stream: contacts, files: c.csv, date_columns: {date_columns}}}\n")
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert message in str(info.value)
