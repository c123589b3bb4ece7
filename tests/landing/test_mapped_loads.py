"""What a mapping's loads do when they land: column names, several loads per file, date-only
columns and row filters. Each test lands a small export the way a user would write it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.mapping import MappingError, SourceMapping, StreamLoad, load_mapping
from lead_sla.warehouse import connect


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


# --- several loads of one stream from one file ------------------------------------------------------

DEALS = ("deal_id,sdr_id,sr_id,won_date", "d1,s1,r1,2026-03-02 09:00:00", "d2,s2,r1,2026-03-02 10:00:00")


def rep_load(id_column: str, team: str) -> StreamLoad:
    return StreamLoad(stream="users", files="deals.csv", columns={
        "owner_id": id_column, "team": f"'{team}'", "timezone": "'America/Sao_Paulo'",
        "work_start": "'09:00'", "work_end": "'18:00'", "updated_at": "won_date",
    })


REPS = SourceMapping(name="test", loads=[rep_load("sdr_id", "sdr"), rep_load("sr_id", "ae")])


def test_every_load_of_a_stream_from_the_same_file_runs(conn, landing):
    export(landing, "deals.csv", *DEALS)
    report = extract_stream_files(conn, landing, REPS, "users")
    assert (report.files_loaded, report.files_skipped, report.rows_read, report.rows_loaded) == (2, 0, 4, 4)
    assert conn.execute("select distinct owner_id, team from raw.users order by 1").fetchall() == [
        ("r1", "ae"), ("s1", "sdr"), ("s2", "sdr")
    ]


def test_extracting_the_same_file_again_adds_nothing_for_any_load(conn, landing):
    export(landing, "deals.csv", *DEALS)
    extract_stream_files(conn, landing, REPS, "users")
    again = extract_stream_files(conn, landing, REPS, "users")
    assert (again.files_loaded, again.files_skipped, again.rows_read) == (0, 2, 0)
    (landing / "deals.csv").touch()  # same content, new mtime: hashed again, still skipped
    touched = extract_stream_files(conn, landing, REPS, "users")
    assert (touched.files_loaded, touched.files_skipped) == (0, 2)
    assert conn.execute("select count(*) from raw.users").fetchone() == (4,)


def test_a_warehouse_from_before_loads_were_told_apart_runs_only_the_loads_it_missed(tmp_path, landing):
    """Old bookkeeping (one row per file) counts for the first load that reads the file, as it did."""
    export(landing, "deals.csv", *DEALS)
    old = connect(tmp_path / "old.duckdb")
    ensure_raw_schema(old)
    first_only = SourceMapping(name="test", loads=[rep_load("sdr_id", "sdr")])
    extract_stream_files(old, landing, first_only, "users")
    old.execute("drop table raw._loaded_files")
    old.execute(
        """create table raw._loaded_files (
            stream VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
            batch_id VARCHAR NOT NULL, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
            loaded_at TIMESTAMP NOT NULL, size_bytes BIGINT, mtime_ns BIGINT,
            PRIMARY KEY (stream, path, sha256))"""
    )
    stat = (landing / "deals.csv").stat()
    from lead_sla.sources.files import sha256_of

    old.execute("insert into raw._loaded_files values ('users', 'deals.csv', ?, 'b0', 2, 2, 0, now(), ?, ?)",
                [sha256_of(landing / "deals.csv"), stat.st_size, stat.st_mtime_ns])
    ensure_raw_schema(old)
    report = extract_stream_files(old, landing, REPS, "users")
    assert (report.files_loaded, report.files_skipped, report.rows_loaded) == (1, 1, 2)
    assert old.execute("select owner_id, team from raw.users where team = 'ae'").fetchall() == [("r1", "ae")] * 2
    assert old.execute("select count(*) from raw._loaded_files where stream = 'users'").fetchone() == (2,)
    old.close()


def test_loads_may_be_named_and_a_name_used_twice_is_refused():
    named = SourceMapping(name="test", loads=[
        rep_load("sdr_id", "sdr").model_copy(update={"name": "sdrs"}), rep_load("sr_id", "ae"),
    ])
    # Naming one load changes no other load's key (which would make it read its files again).
    assert [named.load_key(load) for load in named.loads] == ["sdrs", "users:deals.csv#2"]
    assert [REPS.load_key(load) for load in REPS.loads] == ["users:deals.csv", "users:deals.csv#2"]
    with pytest.raises(ValueError, match="loads.1: load name 'reps' is already used by loads.0"):
        SourceMapping(name="test", loads=[
            rep_load("sdr_id", "sdr").model_copy(update={"name": "reps"}),
            rep_load("sr_id", "ae").model_copy(update={"name": "reps"}),
        ])


# --- unmapped columns of a file read by several loads ---------------------------------------------

LEADS = (
    "lead_id,email,first_seen,router,landing_page,notes",
    "l1,ann@example.com,2026-03-02 09:00:00,auto,/pricing,called twice",
)


def leads_mapping(contacts: dict[str, object] | None = None, changes: dict[str, object] | None = None) -> SourceMapping:
    """One leads file read by a contacts load and a lifecycle_changes load (in that order)."""
    return SourceMapping(name="test", loads=[
        StreamLoad(stream="contacts", files="leads.csv", columns={
            "contact_id": "lead_id", "created_at": "first_seen", "updated_at": "first_seen"}, **(contacts or {})),
        StreamLoad(stream="lifecycle_changes", files="leads.csv", columns={
            "change_id": "lead_id || ':mql'", "contact_id": "lead_id", "to_stage": "'mql'",
            "changed_at": "first_seen", "changed_by": "router"}, **(changes or {})),
    ])


def land_leads(conn: duckdb.DuckDBPyConnection, landing: Path, mapping: SourceMapping) -> None:
    export(landing, "leads.csv", *LEADS)
    for stream in mapping.streams:
        extract_stream_files(conn, landing, mapping, stream)


def extra_columns(conn: duckdb.DuckDBPyConnection, stream: str) -> list[str]:
    from lead_sla.sources.streams import get_stream

    contract = set(get_stream(stream).column_names)
    return [c for c in raw_columns(conn, stream) if c not in contract and not c.startswith("_")]


def test_a_files_unmapped_columns_land_once_with_its_first_load_and_mapped_ones_nowhere_else(conn, landing):
    land_leads(conn, landing, leads_mapping())
    # landing_page and notes no load maps: they land once, with the file's first load (contacts);
    # router is mapped by the lifecycle_changes load (changed_by), email fills contacts.email.
    assert extra_columns(conn, "contacts") == ["landing_page", "notes"]
    assert extra_columns(conn, "lifecycle_changes") == []
    assert conn.execute("select contact_id, email, landing_page, notes from raw.contacts").fetchall() == [
        ("l1", "ann@example.com", "/pricing", "called twice")]
    assert conn.execute("select change_id, changed_by from raw.lifecycle_changes").fetchall() == [("l1:mql", "auto")]


def test_a_load_that_asks_for_the_extra_columns_gets_them_instead_of_the_first(conn, landing):
    land_leads(conn, landing, leads_mapping(changes={"extra_columns": True}))
    assert extra_columns(conn, "contacts") == []
    assert extra_columns(conn, "lifecycle_changes") == ["landing_page", "notes"]  # email is contacts.email


def test_extra_columns_false_on_every_load_lands_no_unmapped_column(conn, landing):
    land_leads(conn, landing, leads_mapping(contacts={"extra_columns": False}, changes={"extra_columns": False}))
    assert extra_columns(conn, "contacts") == [] and extra_columns(conn, "lifecycle_changes") == []
    assert conn.execute("select count(*) from raw.contacts").fetchone() == (1,)


def test_a_file_read_by_one_load_still_lands_every_new_column(conn, landing):
    export(landing, "leads.csv", *LEADS)
    only = SourceMapping(name="test", loads=[leads_mapping().loads[1]])
    extract_stream_files(conn, landing, only, "lifecycle_changes")
    assert extra_columns(conn, "lifecycle_changes") == ["email", "landing_page", "notes"]


def test_two_loads_of_one_stream_from_one_file_land_neither_ones_mapped_column_as_an_extra(conn, landing):
    export(landing, "deals.csv", *DEALS)
    extract_stream_files(conn, landing, REPS, "users")
    assert "sr_id" not in raw_columns(conn, "users") and "sdr_id" not in raw_columns(conn, "users")


# --- date-only columns --------------------------------------------------------------------------

CONTACTS_BY_DAY = ("contact_id,first_contact_date,modified", "c1,2026-03-02,2026-03-02 09:00:00")


def contacts_load(**extra: object) -> StreamLoad:
    return StreamLoad(stream="contacts", files="contacts.csv",
                      columns={"created_at": "first_contact_date", "updated_at": "modified"}, **extra)


def reporting_day(conn: duckdb.DuckDBPyConnection, column: str, zone: str) -> str:
    """The calendar day the warehouse gives a raw UTC timestamp in ``zone`` (as the dbt macro utc_to_local does)."""
    row = conn.execute(
        f"select cast(cast(cast({column} as timestamp) at time zone 'UTC' at time zone '{zone}' as timestamp) as date) "
        "from raw.contacts"
    ).fetchone()
    return row[0].isoformat()


@pytest.mark.parametrize("source_zone", ["America/Sao_Paulo", "UTC", "Asia/Tokyo"])
def test_a_date_only_value_stays_on_its_day_in_reporting_zones_west_and_east(conn, landing, source_zone):
    export(landing, "contacts.csv", *CONTACTS_BY_DAY)
    mapping = SourceMapping(name="test", timezone=source_zone, loads=[contacts_load(date_columns=["created_at"])])
    extract_stream_files(conn, landing, mapping, "contacts")
    assert conn.execute("select created_at from raw.contacts").fetchall() == [("2026-03-02 12:00:00",)]
    for reporting_zone in ("America/Los_Angeles", "America/New_York", "Europe/Berlin", "Asia/Tokyo"):
        assert reporting_day(conn, "created_at", reporting_zone) == "2026-03-02", reporting_zone


def test_without_date_columns_a_date_is_local_midnight_and_shifts_west(conn, landing):
    """Why date_columns exists: read as a timestamp, Tokyo's midnight is the day before in New York."""
    export(landing, "contacts.csv", *CONTACTS_BY_DAY)
    extract_stream_files(conn, landing, SourceMapping(name="t", timezone="Asia/Tokyo", loads=[contacts_load()]), "contacts")
    assert conn.execute("select created_at from raw.contacts").fetchall() == [("2026-03-01 15:00:00",)]
    assert reporting_day(conn, "created_at", "America/New_York") == "2026-03-01"


def test_a_date_only_column_with_its_own_format(conn, landing):
    export(landing, "contacts.csv", "contact_id,first_contact_date,modified", "c1,02/03/2026,2026-03-02 09:00:00")
    load = contacts_load(date_columns=["created_at"], date_format="%d/%m/%Y")
    extract_stream_files(conn, landing, SourceMapping(name="t", loads=[load]), "contacts")
    assert conn.execute("select created_at, updated_at from raw.contacts").fetchall() == [
        ("2026-03-02 12:00:00", "2026-03-02 09:00:00")
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("2026-03-02 17:30:00", "time of day in date-only column created_at: 2026-03-02 17:30:00",
                     id="time-of-day"),
        pytest.param("next Monday", "unparseable date in created_at (a date-only column): next Monday", id="unparseable"),
    ],
)
def test_a_value_that_is_not_a_plain_date_is_quarantined(conn, landing, value, reason):
    export(landing, "contacts.csv", "contact_id,first_contact_date,modified",
           f"c1,{value},2026-03-02 09:00:00", "c2,2026-03-02 00:00:00,2026-03-02 09:00:00")
    report = extract_stream_files(conn, landing, SourceMapping(name="t", loads=[contacts_load(date_columns=["created_at"])]),
                                  "contacts")
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert conn.execute("select contact_id, created_at from raw.contacts").fetchall() == [("c2", "2026-03-02 12:00:00")]
    assert conn.execute("select source_line, reason from quarantine.rows").fetchall() == [(2, reason)]


# --- row filters --------------------------------------------------------------------------------

HUBSPOT_DEALS = (
    "Deal ID,Contact ID,Deal Stage,Close Date",
    "d1,c1,closedwon,2026-03-02 10:00:00",
    "d2,c2,appointmentscheduled,",
    "d3,c3,prospecting,n/a",
    "d4,c4,closedwon,",
)


def won_deals(where: str | None) -> SourceMapping:
    return SourceMapping(name="hubspot", timezone="UTC", missing_values=["", "n/a"], loads=[StreamLoad(
        stream="lifecycle_changes", files="deals.csv", where=where,
        columns={"change_id": '"Deal ID"', "contact_id": '"Contact ID"', "to_stage": "'customer'",
                 "changed_at": '"Close Date"'},
    )])


def test_rows_a_load_filters_out_are_counted_not_quarantined(conn, landing):
    export(landing, "deals.csv", *HUBSPOT_DEALS)
    report = extract_stream_files(conn, landing, won_deals(""""Deal Stage" = 'closedwon'"""), "lifecycle_changes")
    # d4 is won but has no close date: bad data, quarantined; d2 and d3 are open deals: filtered.
    assert (report.rows_read, report.rows_loaded, report.rows_filtered, report.rows_quarantined) == (4, 1, 2, 1)
    assert conn.execute("select change_id from raw.lifecycle_changes").fetchall() == [("d1",)]
    assert conn.execute("select source_line, reason from quarantine.rows").fetchall() == [
        (5, "missing required changed_at")
    ]
    assert conn.execute(
        "select rows_read, rows_loaded, rows_filtered, rows_quarantined from raw._batches"
    ).fetchall() == [(4, 1, 2, 1)]
    assert conn.execute("select rows_filtered from raw._loaded_files").fetchall() == [(2,)]


def test_without_a_filter_open_deals_go_to_quarantine(conn, landing):
    export(landing, "deals.csv", *HUBSPOT_DEALS)
    report = extract_stream_files(conn, landing, won_deals(None), "lifecycle_changes")
    assert (report.rows_loaded, report.rows_filtered, report.rows_quarantined) == (1, 0, 3)


def test_a_filter_sees_missing_placeholders_as_null(conn, landing):
    export(landing, "deals.csv", *HUBSPOT_DEALS)
    report = extract_stream_files(conn, landing, won_deals('"Close Date" IS NOT NULL'), "lifecycle_changes")
    assert (report.rows_loaded, report.rows_filtered, report.rows_quarantined) == (1, 3, 0)


def test_a_filter_that_cannot_run_on_a_file_fails_naming_the_file_and_the_condition(conn, landing):
    export(landing, "deals.csv", *HUBSPOT_DEALS)
    with pytest.raises(MappingError, match=r"deals\.csv: .*where.*\"Pipeline\" = 'sales'.*Pipeline"):
        extract_stream_files(conn, landing, won_deals(""""Pipeline" = 'sales'"""), "lifecycle_changes")
    assert conn.execute("select count(*) from raw._loaded_files").fetchone() == (0,)


def test_an_old_batches_table_gets_the_filtered_count_column(tmp_path):
    old = connect(tmp_path / "old.duckdb")
    old.execute("create schema raw")
    old.execute(
        """create table raw._batches (
            batch_id VARCHAR PRIMARY KEY, stream VARCHAR NOT NULL, source VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
            rows_read BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,
            cursor_before VARCHAR, cursor_after VARCHAR)"""
    )
    old.execute("insert into raw._batches values ('b0', 'contacts', 'files:x', now(), now(), 1, 1, 0, 0, null, 'c')")
    ensure_raw_schema(old)
    assert old.execute("select batch_id, rows_read, rows_filtered from raw._batches").fetchall() == [("b0", 1, None)]
    old.close()


# --- lookups across files of one export -----------------------------------------------------------


def team_mapping(**lookup: object) -> SourceMapping:
    """Reps from the reps file; their manager, office zone and country from the teams file."""
    teams = {"files": "teams/*/teams.csv", "key": "Team", "on": "team_name", **lookup}
    return SourceMapping(name="test", loads=[StreamLoad(
        stream="users", files="reps/*/reps.csv", lookups={"teams": teams},
        columns={"owner_id": "rep_id", "team": "'sdr'", "manager_id": "teams.Manager",
                 "timezone": """coalesce(teams."Office Zone", 'UTC')""", "country": "teams.Country",
                 "work_start": "'09:00'", "work_end": "'17:00'", "updated_at": "updated"},
    )])


def export_in(landing: Path, relative: str, *lines: str) -> None:
    (landing / relative).parent.mkdir(parents=True, exist_ok=True)
    (landing / relative).write_text("\n".join(lines) + "\n", encoding="utf-8")


TEAMS = "Team,Manager,Office Zone,Country"


def test_a_lookup_takes_columns_from_another_file_of_the_export_as_known_on_the_records_day(conn, landing):
    export_in(landing, "teams/2026-03-01/teams.csv", TEAMS, "north,m1,America/Sao_Paulo,BR", "south,m2,Europe/Berlin,DE")
    export_in(landing, "teams/2026-03-05/teams.csv", TEAMS, "north,m5,America/Sao_Paulo,BR", "south,m2,Europe/Berlin,DE")
    export_in(landing, "reps/2026-03-02/reps.csv", "rep_id,name,team_name,updated",
              "r1,Ana,north,2026-03-02 09:00:00", "r2,Bo,south,2026-03-02 09:00:00", "r3,Cy,,2026-03-02 09:00:00")
    export_in(landing, "reps/2026-03-06/reps.csv", "rep_id,name,team_name,updated", "r1,Ana,north,2026-03-06 09:00:00")

    report = extract_stream_files(conn, landing, team_mapping(), "users")

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 4, 0)
    assert conn.execute(
        "select owner_id, updated_at, manager_id, timezone, country from raw.users order by 1, 2"
    ).fetchall() == [
        ("r1", "2026-03-02 09:00:00", "m1", "America/Sao_Paulo", "BR"),  # the teams file of Mar 1
        ("r1", "2026-03-06 09:00:00", "m5", "America/Sao_Paulo", "BR"),  # of Mar 5: north's new manager
        ("r2", "2026-03-02 09:00:00", "m2", "Europe/Berlin", "DE"),
        ("r3", "2026-03-02 09:00:00", None, "UTC", None),               # no team: nothing to look up
    ]
    assert not {"Manager", "Team", "teams"} & set(raw_columns(conn, "users"))  # lookups add no extra column


def test_within_one_lookup_file_the_last_row_of_a_key_wins(conn, landing):
    export_in(landing, "teams/teams.csv", TEAMS, "north,m1,UTC,BR", "north,m2,UTC,BR")  # no day: always read
    export_in(landing, "reps/2026-03-02/reps.csv", "rep_id,name,team_name,updated", "r1,Ana,north,2026-03-02 09:00:00")
    extract_stream_files(conn, landing, team_mapping(files="teams/teams.csv"), "users")
    assert conn.execute("select manager_id from raw.users").fetchall() == [("m2",)]


@pytest.mark.parametrize(("lookup", "message"), [
    pytest.param({"key": "Team Name"}, "lookup 'teams' of load 'users:reps/*/reps.csv': key column 'Team Name' is not "
                 "in its files", id="unknown-key"),
    pytest.param({"files": "offices/*.csv"}, "lookup 'teams': no file matches 'offices/*.csv' exported on or before "
                 "2026-03-02", id="no-file"),
    pytest.param({"on": "team_nom"}, "its `columns`, `where` or `lookups` SQL does not run on this file", id="bad-on"),
])
def test_a_lookup_that_cannot_be_made_fails_the_file_naming_the_lookup(conn, landing, lookup, message):
    export_in(landing, "teams/2026-03-01/teams.csv", TEAMS, "north,m1,UTC,BR")
    export_in(landing, "reps/2026-03-02/reps.csv", "rep_id,name,team_name,updated", "r1,Ana,north,2026-03-02 09:00:00")
    with pytest.raises(MappingError, match=re.escape(message)):
        extract_stream_files(conn, landing, team_mapping(**lookup), "users")
    assert conn.execute("select count(*) from raw.users").fetchone() == (0,)


def test_a_lookup_name_must_be_a_plain_sql_name():
    with pytest.raises(ValueError, match="lookup name 'the teams' must be a plain SQL name"):
        StreamLoad(stream="users", files="reps.csv", lookups={"the teams": {"files": "t.csv", "key": "k", "on": "k"}})
