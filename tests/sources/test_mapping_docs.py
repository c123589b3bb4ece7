"""docs/mappings.md: its worked examples are what the code does (the mapping, the file, the counts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import find_project_root
from lead_sla.sources.mapping import load_mapping
from lead_sla.warehouse import connect

ROOT = find_project_root(Path(__file__).parent)
DOC = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")


def fenced(language: str, section: str | None = None) -> list[str]:
    """The doc's code blocks in ``language``, in order; with ``section`` (a heading line), only those
    between that heading and the next one."""
    text = DOC
    if section is not None:
        text = DOC[DOC.index(f"\n{section}\n") + len(section) + 2:]
        following = re.search(r"^#+ ", text, flags=re.MULTILINE)
        text = text[:following.start()] if following else text
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_olist_excerpts_are_in_the_shipped_mapping_as_written():
    olist = (ROOT / "config" / "sources" / "olist.yml").read_text(encoding="utf-8")
    excerpts = [block for block in fenced("yaml", "## Example: the Olist marketing funnel")
                if not block.startswith("name:")]
    assert len(excerpts) == 4
    for block in excerpts:
        assert block in olist, block


@pytest.mark.parametrize("section, preset, count", [
    pytest.param("### Choices both presets make", "hubspot", 1, id="both"),
    pytest.param("### Preset: HubSpot", "hubspot", 2, id="hubspot"),
    pytest.param("### Preset: Salesforce", "salesforce", 1, id="salesforce"),
])
def test_the_preset_excerpts_are_in_the_shipped_presets_as_written(section: str, preset: str, count: int):
    shipped = (ROOT / "config" / "sources" / f"{preset}.yml").read_text(encoding="utf-8")
    excerpts = fenced("yaml", section)
    assert len(excerpts) == count
    for block in excerpts:
        assert block in shipped, block


@pytest.fixture
def hubspot(tmp_path: Path) -> tuple[Path, Path]:
    """The doc's HubSpot-style mapping, and a landing folder holding the doc's file (one line in cp1252)."""
    [mapping_text] = [block for block in fenced("yaml") if block.startswith("name: hubspot_contacts")]
    [csv_text] = [block for block in fenced("csv") if block.startswith("Record ID,")]
    mapping = tmp_path / "hubspot.yml"
    mapping.write_text(mapping_text, encoding="utf-8")
    lines = csv_text.splitlines(keepends=True)
    assert sum("Müller" in line for line in lines) == 1
    day = tmp_path / "landing" / "hubspot" / "2026-03-20"
    day.mkdir(parents=True)
    (day / "contacts-2026-03-20.csv").write_bytes(
        b"".join(line.encode("cp1252" if "Müller" in line else "utf-8") for line in lines)
    )
    return mapping, tmp_path / "landing"


def test_the_hubspot_example_lands_as_the_doc_says(tmp_path, hubspot):
    mapping_path, landing = hubspot
    mapping = load_mapping(mapping_path)
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)
        contacts = extract_stream_files(conn, landing, mapping, "contacts")
        changes = extract_stream_files(conn, landing, mapping, "lifecycle_changes")
        assert (contacts.rows_read, contacts.rows_loaded, contacts.rows_quarantined) == (4, 4, 0)
        assert (changes.files_loaded, changes.rows_read, changes.rows_loaded, changes.rows_filtered,
                changes.rows_quarantined) == (3, 12, 6, 6, 0)
        assert conn.execute(
            "select contact_id, last_name, job_title, lifecycle_stage, lead_status, created_at from raw.contacts order by 1"
        ).fetchall() == [
            ("101", "Lee", "CTO", "customer", "connected", "2026-03-02 08:15:00"),
            ("102", "Müller", "Head of Sales", "sql", "attempting", "2026-03-03 10:02:00"),
            ("103", "Berg", None, "lead", "new", "2026-03-04 16:45:00"),
            ("104", "Dahl", "VP, Marketing", "mql", "attempting", "2026-03-05 07:00:00"),
        ]
        assert conn.execute("select change_id, changed_at from raw.lifecycle_changes order by 1").fetchall() == [
            ("101:customer", "2026-03-19 12:00:00"), ("101:mql", "2026-03-02 12:00:00"),
            ("101:sql", "2026-03-05 12:00:00"), ("102:mql", "2026-03-04 12:00:00"),
            ("102:sql", "2026-03-09 12:00:00"), ("104:mql", "2026-03-05 12:00:00"),
        ]
        # every column is mapped by one of the four loads: none lands as an extra column anywhere
        for table in ("contacts", "lifecycle_changes"):
            columns = [c for (c,) in conn.execute(f"select column_name from (describe raw.{table})").fetchall()]
            assert "Email" not in columns and "Became a Customer Date" not in columns, table
        again = extract_stream_files(conn, landing, mapping, "lifecycle_changes")
        assert (again.files_loaded, again.files_skipped) == (0, 3)
    finally:
        conn.close()


def test_without_the_filter_the_unreached_stages_would_be_quarantined(tmp_path, hubspot):
    mapping_path, landing = hubspot
    mapping = load_mapping(mapping_path)
    unfiltered = mapping.model_copy(update={"loads": [load.model_copy(update={"where": None}) for load in mapping.loads]})
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)
        report = extract_stream_files(conn, landing, unfiltered, "lifecycle_changes")
        assert (report.rows_loaded, report.rows_filtered, report.rows_quarantined) == (6, 0, 6)
        assert {reason for (reason,) in conn.execute("select reason from quarantine.rows").fetchall()} == {
            "missing required changed_at"
        }
    finally:
        conn.close()


def _example(name: str, tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """The doc's mapping named ``name`` and a landing folder with the doc's files (first line -> file)."""
    [mapping_text] = [block for block in fenced("yaml") if block.startswith(f"name: {name}\n")]
    mapping = tmp_path / f"{name}.yml"
    mapping.write_text(mapping_text, encoding="utf-8")
    landing = tmp_path / "landing"
    for header, relative in files.items():
        [text] = [block for block in fenced("csv") if block.startswith(header)]
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(text, encoding="utf-8")
    return mapping, landing


def _extra_columns(conn, stream: str) -> list[str]:  # noqa: ANN001 - a DuckDB connection
    from lead_sla.sources.streams import get_stream

    contract = set(get_stream(stream).column_names)
    names = [c for (c,) in conn.execute(f"select column_name from (describe raw.{stream})").fetchall()]
    return [c for c in names if c not in contract and not c.startswith("_")]


def test_the_unmapped_columns_example_lands_them_once_as_the_doc_says(tmp_path):
    mapping_path, landing = _example("leads_export", tmp_path, {"lead_id,email,": "leads.csv"})
    mapping = load_mapping(mapping_path)
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)
        for stream in mapping.streams:
            extract_stream_files(conn, landing, mapping, stream)
        assert conn.execute("select email, landing_page, notes from raw.contacts").fetchall() == [
            ("ann@example.com", "/pricing", "called twice")]
        assert conn.execute("select changed_by from raw.lifecycle_changes").fetchall() == [("auto",)]
        assert _extra_columns(conn, "contacts") == ["landing_page", "notes"]
        assert _extra_columns(conn, "lifecycle_changes") == []
    finally:
        conn.close()


def test_the_lookup_example_lands_as_the_doc_says(tmp_path):
    mapping_path, landing = _example("team_export", tmp_path, {
        "rep_id,": "reps/2026-03-02/reps.csv", "Team,": "teams/2026-03-02/teams.csv"})
    mapping = load_mapping(mapping_path)
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)
        report = extract_stream_files(conn, landing, mapping, "users")
        assert (report.rows_loaded, report.rows_quarantined) == (3, 0)
        assert conn.execute("select name, manager_id, timezone, country from raw.users order by 1").fetchall() == [
            ("Ana", "m1", "America/Sao_Paulo", "BR"), ("Bo", "m2", "Europe/Berlin", "DE"), ("Cy", None, "UTC", None)]
        assert _extra_columns(conn, "users") == []

        # The north team's new manager, from the teams file of Mar 5, reaches Ana's version of Mar 6 only.
        teams = (landing / "teams/2026-03-02/teams.csv").read_text()
        (landing / "teams/2026-03-05").mkdir()
        (landing / "teams/2026-03-05/teams.csv").write_text(teams.replace("north,m1,", "north,m5,"))
        (landing / "reps/2026-03-06").mkdir()
        (landing / "reps/2026-03-06/reps.csv").write_text("rep_id,name,team_name,updated\nr1,Ana,north,2026-03-06 09:00:00\n")
        extract_stream_files(conn, landing, mapping, "users")
        assert conn.execute("select updated_at, manager_id from raw.users where name = 'Ana' order by 1").fetchall() == [
            ("2026-03-02 09:00:00", "m1"), ("2026-03-06 09:00:00", "m5")]
    finally:
        conn.close()


def test_the_snapshot_example_lands_as_the_doc_says(tmp_path):
    mapping_path, landing = _example("roster_snapshots", tmp_path, {"id,name,team,timezone": "roster/2026-03-01/users.csv"})
    mapping = load_mapping(mapping_path)
    roster = (landing / "roster/2026-03-01/users.csv").read_text()
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)
        first = extract_stream_files(conn, landing, mapping, "users")
        assert (first.rows_loaded, first.cursor) == (2, "2026-03-01 12:00:00")
        (landing / "roster/2026-03-02").mkdir()
        (landing / "roster/2026-03-02/users.csv").write_text(roster)
        same = extract_stream_files(conn, landing, mapping, "users")
        assert (same.rows_read, same.rows_loaded, same.rows_duplicate) == (2, 0, 2)
        (landing / "roster/2026-03-03").mkdir()
        (landing / "roster/2026-03-03/users.csv").write_text(roster.replace("u1,Ana,sdr,Europe/Berlin", "u1,Ana,sdr,America/New_York"))
        moved = extract_stream_files(conn, landing, mapping, "users")
        assert (moved.rows_loaded, moved.rows_duplicate) == (1, 1)
        assert conn.execute("select name, timezone, updated_at from raw.users order by 1, 3").fetchall() == [
            ("Ana", "Europe/Berlin", "2026-03-01 12:00:00"), ("Ana", "America/New_York", "2026-03-03 12:00:00"),
            ("Bo", "Europe/Berlin", "2026-03-01 12:00:00")]
    finally:
        conn.close()


def test_the_agreement_for_history_shows_the_refusal_the_build_gives_on_olist(tmp_path):
    from datetime import date

    from lead_sla.agreement import load_agreement
    from lead_sla.agreement.in_force import AgreementNotInForce, require_in_force_for_build

    [shown] = fenced("text")
    conn = connect(tmp_path / "warehouse.duckdb")
    try:
        ensure_raw_schema(conn)  # Olist's first mql: first_contact_date 2017-06-14, date-only (12:00 UTC)
        conn.execute("insert into raw.lifecycle_changes (change_id, contact_id, to_stage, changed_at) "
                     "values ('m1:mql', 'm1', 'mql', '2017-06-14 12:00:00')")
        with pytest.raises(AgreementNotInForce) as info:
            require_in_force_for_build(load_agreement(ROOT / "config"), conn, date(2018, 11, 14), "America/New_York")
    finally:
        conn.close()
    assert shown.strip() == str(info.value)
    [commands] = [block for block in fenced("sh") if "agreement init" in block]
    assert "--effective-from 2017-06-01" in commands and "LEAD_SLA_CONFIG_DIR=" in commands
