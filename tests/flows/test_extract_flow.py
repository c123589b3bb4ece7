"""The extract flow: one task per stream; a failing stream fails the run but not the others."""

from __future__ import annotations

import pytest
from datetime import date

from lead_sla.flows.extract import ExtractionFailed, extract
from lead_sla.warehouse import connect

CONTACTS = (
    "contact_id,email,first_name,last_name,job_title,company_id,owner_id,lifecycle_stage,lead_status,source,"
    "created_at,is_deleted,updated_at\n"
    "c1,a@example.com,Ann,Lee,CTO,co1,u1,lead,new,web,2026-03-02 09:00:00,false,2026-03-02 09:00:00\n"
)
USERS_WITHOUT_TIMEZONE = (
    "owner_id,name,email,team,country,work_start,work_end,active,updated_at\n"
    "u1,Rep One,rep@example.com,sdr,US,09:00,17:00,true,2026-03-01 08:00:00\n"
)


def test_a_failed_stream_fails_the_run_after_the_others_landed(prefect_harness, settings):
    (settings.landing / "contacts" / "2026-03-02").mkdir(parents=True)
    (settings.landing / "contacts" / "2026-03-02" / "part-00000.csv").write_text(CONTACTS)
    (settings.landing / "users" / "2026-03-01").mkdir(parents=True)
    (settings.landing / "users" / "2026-03-01" / "part-00000.csv").write_text(USERS_WITHOUT_TIMEZONE)

    with pytest.raises(ExtractionFailed, match=r"users: .*users/2026-03-01/part-00000.csv.*'timezone'"):
        extract(settings=settings, streams=["users", "contacts"])

    conn = connect(settings.warehouse, read_only=True)
    try:
        assert conn.execute("select contact_id from raw.contacts").fetchall() == [("c1",)]
        assert conn.execute("select count(*) from raw.users").fetchone() == (0,)
    finally:
        conn.close()


def test_extract_up_to_a_day_leaves_later_exports_for_later(prefect_harness, settings):
    for day in ("2026-03-02", "2026-03-03"):
        folder = settings.landing / "contacts" / day
        folder.mkdir(parents=True)
        (folder / "part-00000.csv").write_text(CONTACTS.replace("c1,", f"c{day[-1]},").replace("2026-03-02", day))
    first = extract(settings=settings, streams=["contacts"], up_to=date(2026, 3, 2))
    assert [r.rows_loaded for r in first] == [1]
    second = extract(settings=settings, streams=["contacts"])
    assert [(r.files_loaded, r.files_skipped, r.rows_loaded) for r in second] == [(1, 1, 1)]
