"""The next question to ask each open lead, as files for the forms tool.

``marts.fct_lead_next_question`` (dbt) decides the question; this module only writes it beside the
CRM task exports of the day, ``<exports root>/<D>/``:

- ``next_questions.csv``: one row per open lead with an unknown ICP attribute (UTF-8, one header line);
- ``next_questions.json``: ``{"score_date": D, "questions": [...]}``, the same rows as objects.

Rows are ordered by lead id, so a rerun of the same day writes the same bytes. Each file is written
beside its final name and renamed into place: a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from pathlib import Path

import duckdb

NEXT_QUESTION = "marts.fct_lead_next_question"
LEADS = "marts.dim_leads"
CSV_FILE = "next_questions.csv"
JSON_FILE = "next_questions.json"
COLUMNS = (
    "lead_id", "contact_id", "email", "lifecycle_stage", "icp_version", "icp_tier", "fit_score", "form_field",
    "next_attribute", "tier_change_probability", "expected_points_gain", "similar_leads_basis",
    "similar_leads_known", "unknown_attribute_count",
)


def next_question_rows(conn: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The next question of every open lead that has one, ordered by lead id."""
    columns = ", ".join(f"leads.{c}" if c == "email" else f"questions.{c}" for c in COLUMNS)
    cursor = conn.execute(
        f"""select {columns}
            from {NEXT_QUESTION} as questions
            left join {LEADS} as leads on questions.lead_id = leads.lead_id
            order by questions.lead_id"""
    )
    return [dict(zip(COLUMNS, row)) for row in cursor.fetchall()]


def write_next_questions(conn: duckdb.DuckDBPyConnection, score_date: date, folder: Path) -> int:
    """Write the day's ``next_questions.csv`` and ``.json`` into ``folder``; return the number of leads."""
    rows = next_question_rows(conn)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else _csv(row[c]) for c in COLUMNS])
    _replace(folder / CSV_FILE, text.getvalue())
    document = {"score_date": score_date.isoformat(), "questions": [{c: _json(row[c]) for c in COLUMNS} for row in rows]}
    _replace(folder / JSON_FILE, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(rows)


def _csv(value: object) -> object:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def _json(value: object) -> object:
    return round(value, 6) if isinstance(value, float) else value


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    partial.replace(path)
