"""Extraction from file exports into raw: incremental, idempotent, crash-safe, nothing lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.loader import MissingColumnError
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.mapping import MappingError, SourceMapping, StreamLoad
from lead_sla.warehouse import connect

CONTACT_HEADER = (
    "contact_id,email,first_name,last_name,job_title,company_id,owner_id,lifecycle_stage,"
    "lead_status,source,created_at,is_deleted,updated_at"
)


def contact_row(contact_id: str, updated_at: str, *, email: str | None = None, stage: str = "lead") -> str:
    email = email if email is not None else f"{contact_id}@example.com"
    return f"{contact_id},{email},Ann,Lee,CTO,co1,u1,{stage},new,web,{updated_at},false,{updated_at}"


def mapping(**zones: str) -> SourceMapping:
    return SourceMapping(
        name="test",
        timezones={"crm": zones.get("crm", "America/New_York"), "marketing": "UTC"},
        loads=[
            StreamLoad(stream="contacts", files="contacts/*/*.csv"),
            StreamLoad(stream="web_sessions", files="web_sessions/*/*.jsonl"),
        ],
    )


def write(landing: Path, stream: str, day: str, name: str, content: str | bytes) -> Path:
    path = landing / stream / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def count(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_day_two_loads_only_new_data_and_a_rerun_adds_nothing(conn, landing):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00"), contact_row("c2", "2026-03-02 10:00:00")]) + "\n")
    write(landing, "contacts", "2026-03-03", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c3", "2026-03-03 09:00:00"),
                     contact_row("c1", "2026-03-03 11:00:00", stage="mql")]) + "\n")

    day1 = extract_stream_files(conn, landing, mapping(), "contacts", up_to=date(2026, 3, 2))
    assert (day1.files_loaded, day1.rows_loaded) == (1, 2)
    day2 = extract_stream_files(conn, landing, mapping(), "contacts", up_to=date(2026, 3, 3))
    assert (day2.files_loaded, day2.files_skipped, day2.rows_loaded) == (1, 1, 2)
    rerun = extract_stream_files(conn, landing, mapping(), "contacts", up_to=date(2026, 3, 3))
    assert (rerun.files_loaded, rerun.rows_loaded) == (0, 0)

    # Both versions of c1 are kept; the cursor is the newest updated_at, in UTC.
    assert count(conn, "select count(*) from raw.contacts where contact_id = 'c1'") == 2
    assert count(conn, "select count(*) from raw.contacts") == 4
    assert conn.execute("select cursor_value from raw._cursors where stream = 'contacts'").fetchone() == (
        "2026-03-03 16:00:00",
    )


def test_the_same_rows_exported_again_under_another_name_add_nothing(conn, landing):
    body = "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n"
    write(landing, "contacts", "2026-03-02", "part-00000.csv", body)
    write(landing, "contacts", "2026-03-03", "re-export.csv", body)
    report = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (report.files_loaded, report.rows_loaded, report.rows_duplicate) == (2, 1, 1)
    assert count(conn, "select count(*) from raw.contacts") == 1


def test_raw_rows_carry_lineage(conn, landing):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n")
    report = extract_stream_files(conn, landing, mapping(), "contacts")
    row = conn.execute(
        "select _batch_id, _source, _source_line, _export_date, length(_row_hash), _extracted_at is not null "
        "from raw.contacts"
    ).fetchone()
    assert row == (report.batch_id, "contacts/2026-03-02/part-00000.csv", 2, date(2026, 3, 2), 32, True)


@pytest.mark.parametrize(
    ("raw_value", "zone", "expected_utc"),
    [
        pytest.param("2026-03-02 09:00:00", "America/New_York", "2026-03-02 14:00:00", id="naive-in-declared-zone"),
        pytest.param("2026-03-09 09:00:00", "America/New_York", "2026-03-09 13:00:00", id="naive-after-us-spring-forward"),
        pytest.param("2026-03-30 09:00:00", "Europe/Warsaw", "2026-03-30 07:00:00", id="naive-after-eu-spring-forward"),
        pytest.param("2026-03-02T09:00:00+01:00", "America/New_York", "2026-03-02 08:00:00", id="offset-wins-over-zone"),
        pytest.param("2026-03-02T09:00:00Z", "America/New_York", "2026-03-02 09:00:00", id="zulu"),
    ],
)
def test_timestamps_are_stored_in_utc(conn, landing, raw_value, zone, expected_utc):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c1", raw_value)]) + "\n")
    extract_stream_files(conn, landing, mapping(crm=zone), "contacts")
    assert conn.execute("select updated_at from raw.contacts").fetchone() == (expected_utc,)


BAD_INPUT = [
    pytest.param("contacts", contact_row("c9", "yesterday at noon") + "\n", "unparseable timestamp in updated_at",
                 id="unparseable-timestamp"),
    pytest.param("contacts", contact_row("", "2026-03-02 09:00:00") + "\n", "missing required contact_id",
                 id="missing-key"),
    pytest.param("contacts", contact_row("c9", "2026-03-02 09:00:00", email="not-an-email") + "\n",
                 "invalid e-mail in email", id="invalid-email"),
    pytest.param("contacts", contact_row("c9", "2026-03-02 09:00:00", stage="martian") + "\n",
                 "unknown value in lifecycle_stage", id="unknown-enum"),
    pytest.param("contacts", b"c9,c9@example.com,An\xff\xfe,Lee,CTO,co1,u1,lead,new,web,,false,2026-03-02 09:00:00\n",
                 "invalid UTF-8 bytes", id="non-utf8-bytes"),
    pytest.param("contacts", "c9,c9@example.com,Ann,Lee", "expected 13 fields, got 4", id="truncated-last-line"),
    pytest.param("web_sessions", '{"session_id": "s9", "visitor_id": "v1", "started_at": "2026-03-02T10:00:00Z", '
                 '"pageviews": "three"}\n', "not an integer in pageviews", id="wrong-type"),
    pytest.param("web_sessions", '{"session_id": "s9", "visitor_id": "v1", "started_at": "2026-03-0',
                 "not valid JSON", id="truncated-json-line"),
]


@pytest.mark.parametrize(("stream", "bad_line", "reason"), BAD_INPUT)
def test_bad_input_goes_to_quarantine_and_good_rows_still_land(conn, landing, stream, bad_line, reason):
    if stream == "contacts":
        good = "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n"
        name = "part-00000.csv"
        table = "raw.contacts"
    else:
        good = '{"session_id": "s1", "visitor_id": "v1", "started_at": "2026-03-02T10:00:00Z", "pageviews": 2}\n'
        name = "part-00000.jsonl"
        table = "raw.web_sessions"
    content = good.encode("utf-8") + (bad_line if isinstance(bad_line, bytes) else bad_line.encode("utf-8"))
    write(landing, stream, "2026-03-02", name, content)
    report = extract_stream_files(conn, landing, mapping(), stream)

    assert count(conn, f"select count(*) from {table}") == 1
    assert report.rows_quarantined == 1
    stream_name, source, line, why, raw_text = conn.execute(
        "select stream, source, source_line, reason, raw_text from quarantine.rows"
    ).fetchone()
    assert (stream_name, source, line) == (stream, f"{stream}/2026-03-02/{name}", 3 if stream == "contacts" else 2)
    assert reason in why
    assert raw_text


def test_an_empty_file_is_quarantined_once_and_not_retried(conn, landing):
    write(landing, "contacts", "2026-03-02", "part-00000.csv", b"")
    first = extract_stream_files(conn, landing, mapping(), "contacts")
    again = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (first.files_loaded, again.files_loaded, again.files_skipped) == (1, 0, 1)
    assert conn.execute("select reason, source from quarantine.rows").fetchall() == [
        ("empty file", "contacts/2026-03-02/part-00000.csv")
    ]


def test_a_new_column_lands_without_loss(conn, landing):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          CONTACT_HEADER + ",favourite_channel\n" + contact_row("c1", "2026-03-02 09:00:00") + ",podcasts\n")
    extract_stream_files(conn, landing, mapping(), "contacts")
    assert conn.execute("select contact_id, favourite_channel from raw.contacts").fetchall() == [("c1", "podcasts")]


def test_a_missing_required_column_fails_the_stream_naming_file_and_column(conn, landing):
    header = CONTACT_HEADER.replace(",updated_at", "")
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          header + "\n" + contact_row("c1", "2026-03-02 09:00:00").rsplit(",", 1)[0] + "\n")
    with pytest.raises(MissingColumnError, match=r"contacts/2026-03-02/part-00000.csv.*'updated_at'"):
        extract_stream_files(conn, landing, mapping(), "contacts")
    assert count(conn, "select count(*) from raw.contacts") == 0


class InjectedCrash(RuntimeError):
    pass


def test_a_crash_between_load_and_cursor_save_loses_and_duplicates_nothing(conn, landing):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n")
    write(landing, "contacts", "2026-03-03", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c2", "2026-03-03 09:00:00")]) + "\n")
    calls = {"n": 0}

    def crash_on_second_file() -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise InjectedCrash("killed after the rows were written, before the commit")

    with pytest.raises(InjectedCrash):
        extract_stream_files(conn, landing, mapping(), "contacts", before_commit=crash_on_second_file,
                             files_per_transaction=1)
    assert conn.execute("select contact_id from raw.contacts").fetchall() == [("c1",)]
    assert conn.execute("select cursor_value from raw._cursors").fetchall() == [("2026-03-02 14:00:00",)]

    resumed = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (resumed.files_loaded, resumed.files_skipped) == (1, 1)
    assert conn.execute("select contact_id from raw.contacts order by 1").fetchall() == [("c1",), ("c2",)]
    assert conn.execute("select cursor_value from raw._cursors").fetchall() == [("2026-03-03 14:00:00",)]


def five_days_of_contacts(landing: Path) -> None:
    """Five daily files; the fourth has a bad e-mail (quarantine) and repeats c1 (a duplicate)."""
    for day in range(2, 7):
        rows = [contact_row(f"c{day}", f"2026-03-0{day} 09:00:00")]
        if day == 4:
            rows += [contact_row("bad", "2026-03-04 10:00:00", email="not-an-email"),
                     contact_row("c2", "2026-03-02 09:00:00")]
        write(landing, "contacts", f"2026-03-0{day}", "part-00000.csv", "\n".join([CONTACT_HEADER, *rows]) + "\n")


def test_a_crash_in_a_transaction_of_several_files_leaves_the_previous_state(conn, landing):
    five_days_of_contacts(landing)
    calls = {"n": 0}

    def crash_in_second_transaction() -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise InjectedCrash("killed with three files' rows written, before the commit")

    with pytest.raises(InjectedCrash):
        extract_stream_files(conn, landing, mapping(), "contacts", before_commit=crash_in_second_transaction,
                             files_per_transaction=2)
    # The first transaction (two files) is whole; nothing of the second (three files) is anywhere.
    assert conn.execute("select contact_id from raw.contacts order by 1").fetchall() == [("c2",), ("c3",)]
    assert conn.execute("select cursor_value from raw._cursors").fetchall() == [("2026-03-03 14:00:00",)]
    assert conn.execute("select path from raw._loaded_files order by 1").fetchall() == [
        ("contacts/2026-03-02/part-00000.csv",), ("contacts/2026-03-03/part-00000.csv",)]
    assert count(conn, "select count(*) from quarantine.rows") == 0

    resumed = extract_stream_files(conn, landing, mapping(), "contacts", files_per_transaction=2)
    assert (resumed.files_loaded, resumed.files_skipped) == (3, 2)
    assert (resumed.rows_loaded, resumed.rows_duplicate, resumed.rows_quarantined) == (3, 1, 1)
    assert conn.execute("select contact_id from raw.contacts order by 1").fetchall() == [
        ("c2",), ("c3",), ("c4",), ("c5",), ("c6",)]
    assert conn.execute("select cursor_value from raw._cursors").fetchall() == [("2026-03-06 14:00:00",)]
    assert conn.execute("select source from quarantine.rows").fetchall() == [("contacts/2026-03-04/part-00000.csv",)]


def landed_state(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Everything extraction wrote, without what differs between any two runs (batch ids, clock times)."""
    return {
        "raw": conn.execute("select * exclude (_batch_id, _extracted_at) from raw.contacts order by all").fetchall(),
        "files": conn.execute("select * exclude (batch_id, loaded_at, mtime_ns) from raw._loaded_files "
                              "order by all").fetchall(),
        "quarantine": conn.execute("select * exclude (batch_id, quarantined_at) from quarantine.rows "
                                   "order by all").fetchall(),
        "cursor": conn.execute("select stream, source, cursor_value from raw._cursors").fetchall(),
        "batches": conn.execute("select stream, source, rows_read, rows_loaded, rows_duplicate, rows_quarantined, "
                                "rows_filtered, cursor_before, cursor_after from raw._batches").fetchall(),
    }


def test_files_landed_together_give_what_landing_them_one_by_one_gives(tmp_path, landing):
    five_days_of_contacts(landing)
    states, reports = [], []
    for files_per_transaction in (1, 64):
        conn = connect(tmp_path / f"grouped-{files_per_transaction}.duckdb")
        try:
            ensure_raw_schema(conn)
            report = extract_stream_files(conn, landing, mapping(), "contacts", files_per_transaction=files_per_transaction)
            reports.append([(b.location, b.rows_read, b.rows_loaded, b.rows_duplicate, b.rows_quarantined)
                            for b in report.batches])
            states.append(landed_state(conn))
        finally:
            conn.close()
    one_by_one, together = states
    assert together == one_by_one
    assert reports[1] == reports[0]
    # Each row keeps its own file and export day; the repeated c2 is the fourth file's duplicate.
    assert [(row[0], row[-4], str(row[-2])) for row in together["raw"]][:2] == [
        ("c2", "contacts/2026-03-02/part-00000.csv", "2026-03-02"),
        ("c3", "contacts/2026-03-03/part-00000.csv", "2026-03-03")]
    assert reports[1][2] == ("contacts/2026-03-04/part-00000.csv", 3, 1, 1, 1)


def test_a_file_the_mapping_does_not_fit_fails_naming_it_and_the_files_before_it_land(conn, landing):
    for day, size in ((2, "10"), (3, "20"), (4, "many"), (5, "40")):
        write(landing, "companies", f"2026-03-0{day}", "part-00000.csv",
              f"company_id,name,employee_count,updated_at\nco{day},Acme,{size},2026-03-0{day} 09:00:00\n")
    strict = SourceMapping(name="test", timezone="UTC", loads=[StreamLoad(
        stream="companies", files="companies/*/*.csv", columns={"employee_count": "CAST(employee_count AS INTEGER)"})])
    with pytest.raises(MappingError, match=r"companies/2026-03-04/part-00000.csv"):
        extract_stream_files(conn, landing, strict, "companies")
    assert conn.execute("select company_id from raw.companies order by 1").fetchall() == [("co2",), ("co3",)]
    assert count(conn, "select count(*) from raw._loaded_files") == 2


def test_a_killed_process_leaves_no_partial_batch(tmp_path, landing):
    """A real crash: the process dies inside the transaction; the next run lands everything once."""
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n")
    warehouse = tmp_path / "killed.duckdb"
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from lead_sla.landing.extract import extract_stream_files
        from lead_sla.landing.raw import ensure_raw_schema
        from lead_sla.sources.mapping import MappingError, SourceMapping, StreamLoad
        from lead_sla.warehouse import connect
        conn = connect(Path({str(warehouse)!r}))
        ensure_raw_schema(conn)
        m = SourceMapping(name="test", timezones={{"crm": "America/New_York"}},
                          loads=[StreamLoad(stream="contacts", files="contacts/*/*.csv")])
        extract_stream_files(conn, Path({str(landing)!r}), m, "contacts", before_commit=lambda: os._exit(9))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    conn = connect(warehouse)
    try:
        ensure_raw_schema(conn)
        assert count(conn, "select count(*) from raw.contacts") == 0
        assert count(conn, "select count(*) from raw._cursors") == 0
        report = extract_stream_files(conn, landing, mapping(), "contacts")
        assert report.rows_loaded == 1
        assert count(conn, "select count(*) from raw.contacts") == 1
    finally:
        conn.close()


def test_a_file_rewritten_in_place_is_read_again_and_only_its_new_rows_land(conn, landing):
    path = write(landing, "contacts", "2026-03-02", "part-00000.csv",
                 "\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00")]) + "\n")
    extract_stream_files(conn, landing, mapping(), "contacts")
    path.write_text("\n".join([CONTACT_HEADER, contact_row("c1", "2026-03-02 09:00:00"),
                               contact_row("c2", "2026-03-02 10:00:00")]) + "\n")
    again = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (again.files_loaded, again.rows_loaded, again.rows_duplicate) == (1, 1, 1)
    assert conn.execute("select contact_id from raw.contacts order by 1").fetchall() == [("c1",), ("c2",)]


def test_parquet_exports_land_like_csv_ones(conn, landing):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = landing / "contacts" / "2026-03-02" / "part-00000.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "contact_id": ["c1", "c2"], "email": ["a@example.com", "not-an-email"],
        "lifecycle_stage": ["lead", "mql"], "is_deleted": [False, False],
        "updated_at": ["2026-03-02 09:00:00", "2026-03-02T10:00:00Z"],
    }), path)
    parquet_mapping = SourceMapping(
        name="test", timezones={"crm": "America/New_York"},
        loads=[StreamLoad(stream="contacts", files="contacts/*/*.parquet")],
    )
    report = extract_stream_files(conn, landing, parquet_mapping, "contacts")
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert conn.execute("select contact_id, is_deleted, updated_at from raw.contacts").fetchall() == [
        ("c1", "false", "2026-03-02 14:00:00")
    ]


def test_an_unclosed_quote_quarantines_its_line_and_the_rows_after_it_land(conn, landing):
    broken = contact_row("c2", "2026-03-02 09:00:00").replace(",CTO,", ',"CTO,')
    rows = [contact_row(f"c{n}", "2026-03-02 09:00:00") for n in (1, 3, 4, 5)]
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "\n".join([CONTACT_HEADER, rows[0], broken, *rows[1:]]) + "\n")
    report = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (5, 4, 1)
    assert conn.execute("select contact_id, _source_line from raw.contacts order by 2").fetchall() == [
        ("c1", 2), ("c3", 4), ("c4", 5), ("c5", 6)
    ]
    assert conn.execute("select source_line, reason, raw_text from quarantine.rows").fetchall() == [
        (3, "unclosed quote in field 5", broken)
    ]


def test_quarantine_keeps_the_source_line_as_read_not_the_mapped_record(conn, landing):
    """The export's own columns (renamed by the mapping) and the line exactly as it is in the file."""
    renamed = SourceMapping(name="test", timezone="UTC", loads=[StreamLoad(
        stream="contacts", files="contacts/*/*.csv",
        columns={"contact_id": "id", "email": "mail", "updated_at": "modified"},
    )])
    bad_line = 'k2;x,"not an e-mail",2026-03-02 09:00:00'
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          "id,mail,modified\r\nk1,a@example.com,2026-03-02 09:00:00\r\n" + bad_line + "\r\n")
    extract_stream_files(conn, landing, renamed, "contacts")
    assert conn.execute("select source_line, reason, raw_text from quarantine.rows").fetchall() == [
        (3, "invalid e-mail in email: not an e-mail", bad_line)
    ]


def test_a_quarantined_multi_line_record_keeps_all_its_lines(conn, landing):
    record = 'c2,bad-email,Ann,Lee,"Head of\nSales",co1,u1,lead,new,web,,false,2026-03-02 09:00:00'
    write(landing, "contacts", "2026-03-02", "part-00000.csv", "\n".join([CONTACT_HEADER, record]) + "\n")
    extract_stream_files(conn, landing, mapping(), "contacts")
    assert conn.execute("select source_line, raw_text from quarantine.rows").fetchall() == [(2, record)]


def test_a_quarantined_json_line_is_kept_as_read(conn, landing):
    line = '{"session_id": "s9",  "visitor_id": "v1", "started_at": "2026-03-02T10:00:00Z", "pageviews": "three"}'
    write(landing, "web_sessions", "2026-03-02", "part-00000.jsonl", line + "\n")
    extract_stream_files(conn, landing, mapping(), "web_sessions")
    assert conn.execute("select raw_text from quarantine.rows").fetchall() == [(line,)]


def test_a_quarantined_parquet_row_is_kept_as_json_of_the_source_row(conn, landing):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = landing / "contacts" / "2026-03-02" / "part-00000.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "contact_id": ["c2"], "email": ["not-an-email"], "is_deleted": [False], "score": [1.5],
        "updated_at": ["2026-03-02T10:00:00Z"],
    }), path)
    parquet_mapping = SourceMapping(name="test", loads=[StreamLoad(stream="contacts", files="contacts/*/*.parquet")])
    extract_stream_files(conn, landing, parquet_mapping, "contacts")
    assert conn.execute("select source_line, raw_text from quarantine.rows").fetchall() == [(1, (
        '{"contact_id":"c2","email":"not-an-email","is_deleted":false,"score":1.5,"updated_at":"2026-03-02T10:00:00Z"}'
    ))]


def latin1_contact(contact_id: str, last_name: str) -> bytes:
    return contact_row(contact_id, "2026-03-02 09:00:00").replace(",Lee,", f",{last_name},").encode("latin-1")


@pytest.mark.parametrize(
    ("mapping_encoding", "load_encoding"),
    [pytest.param("latin-1", None, id="per-mapping"), pytest.param("utf-8", "latin-1", id="per-load"),
     pytest.param("auto", None, id="auto")],
)
def test_a_latin_1_export_lands_its_names_right(conn, landing, mapping_encoding, load_encoding):
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          CONTACT_HEADER.encode() + b"\n" + latin1_contact("c1", "M\xfcller") + b"\n")
    latin = SourceMapping(name="test", timezone="UTC", encoding=mapping_encoding,
                          loads=[StreamLoad(stream="contacts", files="contacts/*/*.csv", encoding=load_encoding)])
    report = extract_stream_files(conn, landing, latin, "contacts")
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    assert conn.execute("select last_name from raw.contacts").fetchall() == [("Müller",)]


def test_an_undecodable_row_is_quarantined_with_its_original_bytes(conn, landing):
    import base64

    bad = latin1_contact("c2", "M\xfcller")
    write(landing, "contacts", "2026-03-02", "part-00000.csv",
          CONTACT_HEADER.encode() + b"\n" + contact_row("c1", "2026-03-02 09:00:00").encode() + b"\n" + bad + b"\n")
    report = extract_stream_files(conn, landing, mapping(), "contacts")
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    line, reason, raw_text, raw_bytes = conn.execute(
        "select source_line, reason, raw_text, raw_bytes_base64 from quarantine.rows"
    ).fetchone()
    assert (line, base64.b64decode(raw_bytes)) == (3, bad)
    assert "M\ufffdller" in raw_text and reason.startswith("invalid UTF-8 bytes")


def test_an_old_quarantine_table_gets_the_raw_bytes_column_and_keeps_its_rows(tmp_path):
    old = connect(tmp_path / "old.duckdb")
    old.execute("create schema quarantine")
    old.execute(
        "create table quarantine.rows (stream varchar not null, batch_id varchar not null, source varchar not null, "
        "source_line bigint, reason varchar not null, raw_text varchar, quarantined_at timestamp not null)"
    )
    old.execute("insert into quarantine.rows values ('contacts', 'b1', 'a.csv', 2, 'why', 'text', now())")
    ensure_raw_schema(old)
    ensure_raw_schema(old)
    assert old.execute("select stream, raw_text, raw_bytes_base64 from quarantine.rows").fetchall() == [
        ("contacts", "text", None)
    ]
    old.close()
