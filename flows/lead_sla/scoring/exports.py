"""The lists as files for the CRM: a CSV per owner and the task payloads a CRM import takes.

For day D everything goes under ``<exports root>/<D>/`` (by default ``<warehouse dir>/exports/``):

- ``owners/<owner_id>.csv``: the owner's whole ranked list (UTF-8, one header line);
- ``crm_tasks.json``: ``{"score_date": D, "tasks": [...]}``, the top ``tasks_per_owner`` leads
  of each owner as tasks, e.g. ``"subject": "Call Jane Doe — due Mon 2 Nov 14:30 Europe/Warsaw"``;
- ``needs_owner.csv``: the manager's list of handed-off leads without an active owner
  (``scoring.leads_needing_owner``): no deactivated rep gets a list or a task.

Each task carries an ``idempotency_key``, a hash of (D, owner, contact): pushing the same day
twice names the same tasks, so the CRM (and our ledger) can refuse duplicates. The folder is
written beside the old one and swapped in, so a rerun of D replaces D's files whole.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from lead_sla.scoring.priority import DEADLINE_AHEAD, RECENTLY_OVERDUE, to_local
from lead_sla.scoring.tables import NEEDS_OWNER, PRIORITY_LIST

TASKS_FILE = "crm_tasks.json"
OWNERS_FOLDER = "owners"
CSV_COLUMNS = (
    "priority_rank", "lead_name", "email", "company_name", "lifecycle_stage", "urgency_bucket",
    "sla_due_local", "business_minutes_to_due", "sla_status", "priority_score", "score_basis",
    "reason_1", "reason_2", "reason_3", "lead_id", "contact_id", "handoff_id",
)
TASK_PRIORITY = {DEADLINE_AHEAD.name: "high", RECENTLY_OVERDUE.name: "high"}
NEEDS_OWNER_FILE = "needs_owner.csv"
NEEDS_OWNER_COLUMNS = (
    "needs_owner_rank", "lead_name", "email", "company_name", "last_owner_name", "owner_deactivated_at",
    "handed_off_at", "is_routing_breach", "priority_score", "reason", "lead_id", "contact_id", "handoff_id",
)


@dataclass(frozen=True)
class ExportResult:
    """What was written for a day."""

    folder: Path
    owner_files: int
    tasks: int

    @property
    def tasks_file(self) -> Path:
        return self.folder / TASKS_FILE


def idempotency_key(score_date: date, owner_id: str, contact_id: str) -> str:
    """The task's key: the same (day, owner, contact) always gives the same key."""
    text = f"lead-sla-task|{score_date.isoformat()}|{owner_id}|{contact_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def local_due(sla_due_at: datetime, timezone: str | None) -> str:
    """``Mon 2 Nov 14:30 Europe/Warsaw``: the due time in the owner's zone."""
    local = to_local(sla_due_at, timezone)
    zone = timezone if isinstance(timezone, str) and timezone else "UTC"
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M} {zone}"


def task_subject(lead_name: str, bucket: str, sla_due_at: datetime | None, timezone: str | None) -> str:
    """``Call Jane Doe — due Mon 2 Nov 14:30 Europe/Warsaw``; ``Follow up with …`` without an open clock."""
    if sla_due_at is None or pd.isna(sla_due_at):
        return f"Follow up with {lead_name}"
    if bucket != DEADLINE_AHEAD.name:
        return f"Call {lead_name} — overdue since {local_due(sla_due_at, timezone)}"
    return f"Call {lead_name} — due {local_due(sla_due_at, timezone)}"


def task_payload(row: pd.Series, score_date: date) -> dict[str, object]:
    """One CRM task (the JSON body of ``POST /v1/tasks``) for a row of the priority list."""
    due = row["sla_due_at"]
    has_due = due is not None and not pd.isna(due)
    zone = row["owner_timezone"] if isinstance(row["owner_timezone"], str) else None
    reasons = [str(row[f"reason_{n}"]) for n in (1, 2, 3) if isinstance(row[f"reason_{n}"], str)]
    return {
        "idempotency_key": idempotency_key(score_date, str(row["owner_id"]), str(row["contact_id"])),
        "score_date": score_date.isoformat(),
        "owner_id": str(row["owner_id"]),
        "contact_id": str(row["contact_id"]),
        "lead_id": str(row["lead_id"]),
        "type": "call",
        "subject": task_subject(str(row["lead_name"]), str(row["urgency_bucket"]), due if has_due else None, zone),
        "due_at": f"{pd.Timestamp(due):%Y-%m-%dT%H:%M:%S}Z" if has_due else None,
        "timezone": zone,
        "priority": TASK_PRIORITY.get(str(row["urgency_bucket"]), "normal"),
        "rank": int(row["priority_rank"]),
        "notes": "Why now: " + "; ".join(reasons) if reasons else "",
    }


def _file_name(owner_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", owner_id) + ".csv"


def export_day(
    conn: duckdb.DuckDBPyConnection, score_date: date, exports_root: Path, *, tasks_per_owner: int
) -> ExportResult:
    """Write D's CSVs and task payloads from ``scoring.lead_priority_list`` (replacing D's folder)."""
    rows = conn.execute(
        f"select * from {PRIORITY_LIST} where score_date = ? order by owner_id, priority_rank", [score_date]
    ).df()
    folder = exports_root / score_date.isoformat()
    staging = exports_root / f".{score_date.isoformat()}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / OWNERS_FOLDER).mkdir(parents=True)

    tasks: list[dict[str, object]] = []
    owner_files = 0
    for owner_id, owned in rows.groupby("owner_id", sort=True):
        owned = owned.sort_values("priority_rank", kind="stable")
        with open(staging / OWNERS_FOLDER / _file_name(str(owner_id)), "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for _, row in owned.iterrows():
                writer.writerow([_csv_value(row, column) for column in CSV_COLUMNS])
        owner_files += 1
        tasks += [task_payload(row, score_date) for _, row in owned.head(tasks_per_owner).iterrows()]
    document = {"score_date": score_date.isoformat(), "tasks": tasks}
    (staging / TASKS_FILE).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    unowned = conn.execute(f"select * from {NEEDS_OWNER} where score_date = ? order by needs_owner_rank",
                           [score_date]).df()
    with open(staging / NEEDS_OWNER_FILE, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NEEDS_OWNER_COLUMNS)
        for _, row in unowned.iterrows():
            writer.writerow([_csv_value(row, column) for column in NEEDS_OWNER_COLUMNS])

    previous = exports_root / f".{score_date.isoformat()}.previous-{os.getpid()}"
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    if previous.exists():
        shutil.rmtree(previous)
    return ExportResult(folder=folder, owner_files=owner_files, tasks=len(tasks))


def _csv_value(row: pd.Series, column: str) -> object:
    if column == "sla_due_local":
        due = row["sla_due_at"]
        if due is None or pd.isna(due):
            return ""
        return local_due(due, row["owner_timezone"] if isinstance(row["owner_timezone"], str) else None)
    value = row[column]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if column in ("priority_score", "business_minutes_to_due"):
        return f"{float(value):.1f}"
    return value


def read_tasks(tasks_file: Path) -> list[dict[str, object]]:
    """The task payloads of an export's ``crm_tasks.json``."""
    return list(json.loads(tasks_file.read_text(encoding="utf-8"))["tasks"])
