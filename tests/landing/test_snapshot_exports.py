"""Snapshot exports: each file is the whole stream as of its export day, with no change history.

Versions are derived by difference: a record lands when it is new or differs from its previous
snapshot, with `updated_at` at 12:00 UTC of the snapshot's day (when the change was first seen);
an unchanged record adds nothing; a record a snapshot no longer holds gets a deletion version.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.sources.mapping import MappingError, SourceMapping, StreamLoad


def snapshot(landing: Path, relative: str, *lines: str) -> None:
    (landing / relative).parent.mkdir(parents=True, exist_ok=True)
    (landing / relative).write_text("\n".join(lines) + "\n", encoding="utf-8")


ROSTER = SourceMapping(name="test", loads=[StreamLoad(
    stream="users", files="roster/*/users.csv", snapshot=True,
    columns={"owner_id": "id", "work_start": "'09:00'", "work_end": "'17:00'"},
)])
USERS = "id,name,team,timezone"


def test_a_roster_without_change_history_gets_a_version_per_change_dated_by_its_snapshot(conn, landing):
    snapshot(landing, "roster/2026-03-01/users.csv", USERS, "u1,Ana,sdr,Europe/Berlin", "u2,Bo,ae,Europe/Berlin")
    first = extract_stream_files(conn, landing, ROSTER, "users")
    snapshot(landing, "roster/2026-03-02/users.csv", USERS, "u1,Ana,sdr,Europe/Berlin", "u2,Bo,ae,Europe/Berlin")
    unchanged = extract_stream_files(conn, landing, ROSTER, "users")
    snapshot(landing, "roster/2026-03-03/users.csv", USERS,
             "u1,Ana,sdr,America/New_York", "u2,Bo,ae,Europe/Berlin", "u3,Cy,sdr,Europe/Warsaw")
    changed = extract_stream_files(conn, landing, ROSTER, "users")

    assert (first.rows_read, first.rows_loaded) == (2, 2)
    assert (unchanged.rows_read, unchanged.rows_loaded, unchanged.rows_duplicate) == (2, 0, 2)
    assert (changed.rows_read, changed.rows_loaded, changed.rows_duplicate) == (3, 2, 1)
    assert conn.execute(
        "select owner_id, timezone, updated_at, _export_date from raw.users order by owner_id, updated_at"
    ).fetchall() == [
        ("u1", "Europe/Berlin", "2026-03-01 12:00:00", date(2026, 3, 1)),
        ("u1", "America/New_York", "2026-03-03 12:00:00", date(2026, 3, 3)),  # the move
        ("u2", "Europe/Berlin", "2026-03-01 12:00:00", date(2026, 3, 1)),
        ("u3", "Europe/Warsaw", "2026-03-03 12:00:00", date(2026, 3, 3)),
    ]
    assert changed.cursor == "2026-03-03 12:00:00"


CONTACTS = SourceMapping(name="test", loads=[StreamLoad(
    stream="contacts", files="contacts/*/contacts.csv", snapshot=True, columns={"contact_id": "id"},
)])
PEOPLE = "id,email,lifecycle_stage"


def test_a_record_a_snapshot_no_longer_holds_gets_a_deletion_version_once(conn, landing):
    snapshot(landing, "contacts/2026-03-01/contacts.csv", PEOPLE, "c1,ann@example.com,lead", "c2,bo@example.com,mql")
    extract_stream_files(conn, landing, CONTACTS, "contacts")
    snapshot(landing, "contacts/2026-03-02/contacts.csv", PEOPLE, "c1,ann@example.com,lead")
    gone = extract_stream_files(conn, landing, CONTACTS, "contacts")
    snapshot(landing, "contacts/2026-03-03/contacts.csv", PEOPLE, "c1,ann@example.com,lead")
    still_gone = extract_stream_files(conn, landing, CONTACTS, "contacts")
    snapshot(landing, "contacts/2026-03-04/contacts.csv", PEOPLE, "c1,ann@example.com,lead", "c2,bo@example.com,sql")
    back = extract_stream_files(conn, landing, CONTACTS, "contacts")

    assert (gone.rows_loaded, gone.rows_duplicate, gone.rows_deleted) == (0, 1, 1)
    assert (still_gone.rows_loaded, still_gone.rows_deleted) == (0, 0)
    assert (back.rows_loaded, back.rows_deleted) == (1, 0)
    assert conn.execute(
        "select updated_at, email, lifecycle_stage, is_deleted from raw.contacts where contact_id = 'c2' order by 1"
    ).fetchall() == [
        ("2026-03-01 12:00:00", "bo@example.com", "mql", None),
        ("2026-03-02 12:00:00", "bo@example.com", "mql", "true"),   # gone from the Mar 2 snapshot
        ("2026-03-04 12:00:00", "bo@example.com", "sql", None),     # back, and moved on
    ]
    assert conn.execute("select count(*) from raw.contacts where contact_id = 'c1'").fetchone() == (1,)


def test_extracting_a_snapshot_again_adds_nothing(conn, landing):
    snapshot(landing, "contacts/2026-03-01/contacts.csv", PEOPLE, "c1,ann@example.com,lead", "c2,bo@example.com,mql")
    snapshot(landing, "contacts/2026-03-02/contacts.csv", PEOPLE, "c1,ann@example.com,lead")
    extract_stream_files(conn, landing, CONTACTS, "contacts")
    rows = conn.execute("select count(*) from raw.contacts").fetchone()
    again = extract_stream_files(conn, landing, CONTACTS, "contacts")
    assert (again.files_loaded, again.files_skipped) == (0, 2)
    assert conn.execute("select count(*) from raw.contacts").fetchone() == rows == (3,)


def test_a_snapshot_file_without_an_export_day_fails_naming_it(conn, landing):
    snapshot(landing, "contacts/latest/contacts.csv", PEOPLE, "c1,ann@example.com,lead")
    with pytest.raises(MappingError, match=re.escape("contacts/latest/contacts.csv: load 'contacts:contacts/*/contacts.csv' "
                                                     "reads snapshots, but this file's path has no export day")):
        extract_stream_files(conn, landing, CONTACTS, "contacts")


@pytest.mark.parametrize(("load", "message"), [
    pytest.param({"stream": "lifecycle_changes", "files": "x.csv", "snapshot": True},
                 "stream 'lifecycle_changes' keeps every record once", id="append-only-stream"),
    pytest.param({"stream": "contacts", "files": "x.csv", "snapshot": True, "columns": {"updated_at": "modified"}},
                 "snapshot: updated_at is the snapshot's export day", id="cursor-mapped"),
])
def test_a_snapshot_load_that_cannot_be_is_refused(load, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        StreamLoad(**load)
