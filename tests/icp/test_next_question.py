"""The forms tool's export: the next question of each open lead, as CSV and JSON beside the CRM tasks."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lead_sla.icp.next_question import COLUMNS, CSV_FILE, JSON_FILE, write_next_questions
from tests.support.published import PublishedDemo

DAY = date(2026, 10, 31)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute("create table marts.dim_leads (lead_id varchar, email varchar)")
    conn.execute("insert into marts.dim_leads values ('L2', 'b@example.com'), ('L1', 'a@example.com')")
    conn.execute("""create table marts.fct_lead_next_question (lead_id varchar, contact_id varchar,
        lifecycle_stage varchar, icp_version varchar, icp_tier varchar, fit_score integer, form_field varchar,
        next_attribute varchar, tier_change_probability double, expected_points_gain double,
        similar_leads_basis varchar, similar_leads_known integer, unknown_attribute_count integer)""")
    conn.execute("""insert into marts.fct_lead_next_question values
        ('L2', 'C2', 'mql', 'icp-2026.2', 'B', 40, 'job_title', 'seniority', 0.25, 3.0, 'same_channel', 48, 2),
        ('L1', null, 'lead', 'icp-2026.2', 'C', 0, 'industry', 'industry', 0.0, 12.5, 'all_leads', 7, 4)""")
    return conn


def test_each_open_lead_gets_its_question_in_csv_and_json_ordered_by_lead(conn, tmp_path: Path):
    assert write_next_questions(conn, DAY, tmp_path) == 2
    with open(tmp_path / CSV_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == ["L1", "", "a@example.com", "lead", "icp-2026.2", "C", "0", "industry", "industry", "0", "12.5",
                       "all_leads", "7", "4"]
    assert rows[2][:3] == ["L2", "C2", "b@example.com"] and rows[2][7:10] == ["job_title", "seniority", "0.25"]
    document = json.loads((tmp_path / JSON_FILE).read_text(encoding="utf-8"))
    assert document["score_date"] == "2026-10-31"
    assert [q["lead_id"] for q in document["questions"]] == ["L1", "L2"]
    assert document["questions"][1] == {
        "lead_id": "L2", "contact_id": "C2", "email": "b@example.com", "lifecycle_stage": "mql",
        "icp_version": "icp-2026.2", "icp_tier": "B", "fit_score": 40, "form_field": "job_title",
        "next_attribute": "seniority", "tier_change_probability": 0.25, "expected_points_gain": 3.0,
        "similar_leads_basis": "same_channel", "similar_leads_known": 48, "unknown_attribute_count": 2,
    }


def test_a_rerun_writes_the_same_bytes_and_leaves_no_partial_file(conn, tmp_path: Path):
    write_next_questions(conn, DAY, tmp_path)
    first = {name: (tmp_path / name).read_bytes() for name in (CSV_FILE, JSON_FILE)}
    write_next_questions(conn, DAY, tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in (CSV_FILE, JSON_FILE)} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([CSV_FILE, JSON_FILE])


def test_the_nightly_run_exports_every_next_question_beside_the_crm_tasks(published: PublishedDemo):
    exports = published.settings.exports_root / DAY.isoformat()
    assert (exports / "crm_tasks.json").exists()
    document = json.loads((exports / JSON_FILE).read_text(encoding="utf-8"))
    expected = published.query("select lead_id, next_attribute from marts.fct_lead_next_question order by lead_id")
    assert expected, "the demo has open leads with unknown attributes"
    assert [(q["lead_id"], q["next_attribute"]) for q in document["questions"]] == expected
    with open(exports / CSV_FILE, encoding="utf-8", newline="") as handle:
        assert len(list(csv.reader(handle))) == len(expected) + 1
