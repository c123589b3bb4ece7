"""What a mapping's loads do when they land: column names, several loads per file, date-only
columns and row filters. Each test lands a small export the way a user would write it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.mapping import SourceMapping, StreamLoad, load_mapping
from lead_sla.warehouse import connect


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def export(landing: Path, name: str, *lines: str) -> None:
    (landing / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def one_load(**load: object) -> SourceMapping:
    return SourceMapping(name="test", timezone="UTC", loads=[StreamLoad(**load)])


def raw_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in conn.execute(f"select column_name from (describe raw.{table})").fetchall()]


# --- column names that differ from the contract only by case --------------------------------------


def test_a_source_column_named_like_a_contract_column_but_for_case_fills_it(conn, landing):
    export(landing, "companies.csv", "company_id,Country,updated_at", "co1,BR,2026-03-02 09:00:00")
    report = extract_stream_files(conn, landing, one_load(stream="companies", files="companies.csv"), "companies")
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    assert conn.execute("select company_id, country from raw.companies").fetchall() == [("co1", "BR")]


def test_when_both_spellings_are_present_the_contract_one_wins_and_the_other_lands_renamed(conn, landing):
    export(landing, "companies.csv", "company_id,Country,country,updated_at", "co1,Brasil,BR,2026-03-02 09:00:00")
    extract_stream_files(conn, landing, one_load(stream="companies", files="companies.csv"), "companies")
    assert conn.execute('select country, "Country_1" from raw.companies').fetchall() == [("BR", "Brasil")]
    assert "Country_1" in raw_columns(conn, "companies")


def test_an_unmapped_column_spelled_like_a_mapped_contract_column_lands_renamed(conn, landing):
    export(landing, "companies.csv", "company_id,pais,Country,updated_at", "co1,BR,Brasil,2026-03-02 09:00:00")
    mapping = one_load(stream="companies", files="companies.csv", columns={"country": "pais"})
    extract_stream_files(conn, landing, mapping, "companies")
    assert conn.execute('select country, "Country_1" from raw.companies').fetchall() == [("BR", "Brasil")]


def test_an_expression_may_name_a_source_column_in_any_case(conn, landing):
    export(landing, "companies.csv", "company_id,Country,updated_at", "co1,br,2026-03-02 09:00:00")
    mapping = one_load(stream="companies", files="companies.csv", columns={"country": "upper(Country)"})
    extract_stream_files(conn, landing, mapping, "companies")
    assert conn.execute("select country from raw.companies").fetchall() == [("BR",)]
    assert "Country_1" not in raw_columns(conn, "companies")


def test_two_extra_columns_differing_only_by_case_both_land(conn, landing):
    export(landing, "companies.csv", "company_id,Notes,notes,updated_at", "co1,upper,lower,2026-03-02 09:00:00")
    extract_stream_files(conn, landing, one_load(stream="companies", files="companies.csv"), "companies")
    assert conn.execute('select "Notes", "notes_1" from raw.companies').fetchall() == [("upper", "lower")]


# --- value maps written in YAML -----------------------------------------------------------------


def test_a_value_map_to_norways_code_lands_the_text_no(conn, landing, tmp_path):
    export(landing, "companies.csv", "company_id,country,updated_at",
           "co1,Norway,2026-03-02 09:00:00", "co2,Sweden,2026-03-02 09:00:00")
    path = tmp_path / "nordics.yml"
    path.write_text("name: nordics\nloads:\n  - stream: companies\n    files: companies.csv\n"
                    "    values:\n      country: {Norway: NO, Sweden: SE}\n")
    extract_stream_files(conn, landing, load_mapping(path), "companies")
    assert conn.execute("select company_id, country from raw.companies order by 1").fetchall() == [
        ("co1", "NO"), ("co2", "SE")
    ]
