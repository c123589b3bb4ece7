"""CRM exports (a CSV per owner, task payloads, the manager's needs-an-owner list) and the push to a
real task API on loopback."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from pydantic import SecretStr

from lead_sla.scoring.daily import score_day
from lead_sla.scoring.exports import (
    NEEDS_OWNER_COLUMNS,
    NEEDS_OWNER_FILE,
    TASKS_FILE,
    export_day,
    idempotency_key,
    read_tasks,
)
from lead_sla.scoring.push import push_day_tasks
from lead_sla.scoring.tables import CRM_TASK_PUSHES, NEEDS_OWNER, PRIORITY_LIST
from lead_sla.settings import Settings
from lead_sla.sources.http_api import CrmApiAuthError, CrmApiRetriesExhausted
from tests.support.project import PROJECT_ROOT
from tests.scoring.builders import TZ, Warehouse, build_history
from tests.support.crm_tasks_server import CrmTasksServer

TOKEN = "tasks-tok-9Xy-s3cret"
FIRST_DAY = date(2026, 1, 5)
DAY = FIRST_DAY + timedelta(days=59)
TASKS_PER_OWNER = 5


@pytest.fixture
def scored(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    wh = Warehouse(conn)
    build_history(wh, first_day=FIRST_DAY, days=60, leads=150, seed=5, owners=("USR-A", "USR-B", "USR/C"))
    wh.built_as_of(DAY)
    score_day(conn, DAY, TZ)
    return conn


@pytest.fixture
def scored_with_a_leaver(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The history above, plus USR-Z, deactivated three days before the scored day, who still owns two
    open leads (one overdue, one touched), and a lead that never had an owner and broke the routing limit."""
    wh = Warehouse(conn)
    build_history(wh, first_day=FIRST_DAY, days=60, leads=150, seed=5, owners=("USR-A", "USR-B"))
    deactivated_at = datetime.combine(DAY - timedelta(days=3), datetime.min.time())
    wh.add_user("USR-Z", "Zoe Gone", active=False, deactivated_at=deactivated_at)
    handed_off = deactivated_at - timedelta(days=2) + timedelta(hours=9)
    for lead, touched in (("Z-overdue", None), ("Z-touched", handed_off + timedelta(hours=1))):
        wh.add_lead(lead, handed_off - timedelta(days=20), stage="mql", owner="USR-Z", mql_at=handed_off)
        wh.add_fit(lead, handed_off - timedelta(days=20), ("industry_core",))
        wh.add_handoff(f"H-{lead}", lead, handed_off, owner="USR-Z", due_at=handed_off + timedelta(hours=4),
                       status="met" if touched else "open_breach", first_touch_at=touched,
                       urgency=None if touched else "stale", minutes_to_due=None if touched else -1200.0)
    wh.add_lead("unrouted", handed_off, stage="mql", mql_at=handed_off)
    wh.add_handoff("H-unrouted", "unrouted", handed_off, owner=None, due_at=None, status="routing_breach",
                   routing_breach=True)
    wh.built_as_of(DAY)
    score_day(conn, DAY, TZ)
    return conn


@pytest.fixture
def tasks(scored: duckdb.DuckDBPyConnection, tmp_path: Path) -> list[dict[str, object]]:
    result = export_day(scored, DAY, tmp_path / "exports", tasks_per_owner=TASKS_PER_OWNER)
    return read_tasks(result.tasks_file)


@pytest.fixture
def server() -> Iterator[CrmTasksServer]:
    with CrmTasksServer(TOKEN) as running:
        yield running


def settings_for(tmp_path: Path, url: str | None) -> Settings:
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=tmp_path / "wh.duckdb",
        crm_tasks_url=url,
        crm_tasks_token=SecretStr(TOKEN),
        crm_api_token=None,
        http_backoff_seconds=0.0,
        http_max_retries=3,
        http_timeout_seconds=5.0,
    )


def test_export_writes_each_owners_list_and_the_task_payloads(scored, tmp_path):
    result = export_day(scored, DAY, tmp_path / "exports", tasks_per_owner=TASKS_PER_OWNER)
    assert result.folder == tmp_path / "exports" / DAY.isoformat()
    files = sorted(p.name for p in (result.folder / "owners").iterdir())
    assert files == ["USR-A.csv", "USR-B.csv", "USR_C.csv"]
    listed = scored.execute(f"select owner_id, count(*) from {PRIORITY_LIST} group by 1").fetchall()
    for owner_id, count in listed:
        with open(result.folder / "owners" / (owner_id.replace("/", "_") + ".csv"), encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == count
        assert [int(r["priority_rank"]) for r in rows] == list(range(1, count + 1))
    document = json.loads((result.folder / TASKS_FILE).read_text(encoding="utf-8"))
    assert document["score_date"] == DAY.isoformat()
    assert len(document["tasks"]) == result.tasks == sum(min(c, TASKS_PER_OWNER) for _, c in listed)
    for task in document["tasks"]:
        assert task["idempotency_key"] == idempotency_key(DAY, task["owner_id"], task["contact_id"])
        if task["due_at"]:
            assert task["subject"].startswith("Call ") and task["subject"].endswith(" UTC")
            assert " — due " in task["subject"] or " — overdue since " in task["subject"]
        else:
            assert task["subject"].startswith("Follow up with ")


def test_needs_owner_csv_holds_the_managers_list_in_its_order(scored_with_a_leaver, tmp_path):
    result = export_day(scored_with_a_leaver, DAY, tmp_path / "exports", tasks_per_owner=TASKS_PER_OWNER)
    with open(result.folder / NEEDS_OWNER_FILE, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    assert tuple(header) == NEEDS_OWNER_COLUMNS
    listed = scored_with_a_leaver.execute(
        f"""select needs_owner_rank, lead_id, contact_id, handoff_id, coalesce(last_owner_name, ''), is_routing_breach,
                   priority_score, reason
            from {NEEDS_OWNER} where score_date = ? order by needs_owner_rank""", [DAY]).fetchall()
    assert [r[1] for r in listed] == ["unrouted", "Z-overdue", "Z-touched"]  # the routing breach first
    assert [(int(r["needs_owner_rank"]), r["lead_id"], r["contact_id"], r["handoff_id"], r["last_owner_name"],
             r["is_routing_breach"] == "True", float(r["priority_score"]), r["reason"]) for r in rows] == [
        (rank, lead, contact, handoff, owner, breach, round(score, 1), reason)
        for rank, lead, contact, handoff, owner, breach, score, reason in listed
    ]
    assert rows[1]["last_owner_name"] == "Zoe Gone" and rows[1]["owner_deactivated_at"].startswith(
        (DAY - timedelta(days=3)).isoformat())
    assert rows[0]["last_owner_name"] == "" and rows[0]["owner_deactivated_at"] == ""


def test_needs_owner_csv_is_written_with_its_header_when_every_lead_has_an_owner(scored, tmp_path):
    result = export_day(scored, DAY, tmp_path / "exports", tasks_per_owner=TASKS_PER_OWNER)
    assert scored.execute(f"select count(*) from {NEEDS_OWNER} where score_date = ?", [DAY]).fetchone() == (0,)
    lines = (result.folder / NEEDS_OWNER_FILE).read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(NEEDS_OWNER_COLUMNS)]


def test_a_deactivated_owner_gets_no_owner_csv_and_no_crm_task(scored_with_a_leaver, tmp_path):
    result = export_day(scored_with_a_leaver, DAY, tmp_path / "exports", tasks_per_owner=TASKS_PER_OWNER)
    assert sorted(p.name for p in (result.folder / "owners").iterdir()) == ["USR-A.csv", "USR-B.csv"]
    tasks = read_tasks(result.tasks_file)
    assert tasks and {t["owner_id"] for t in tasks} == {"USR-A", "USR-B"}
    assert not {t["contact_id"] for t in tasks} & {"Z-overdue", "Z-touched", "unrouted"}
    for name in ("USR-A.csv", "USR-B.csv"):
        with open(result.folder / "owners" / name, encoding="utf-8") as handle:
            assert not {r["lead_id"] for r in csv.DictReader(handle)} & {"Z-overdue", "Z-touched", "unrouted"}


def test_exporting_a_day_again_replaces_its_folder(scored, tmp_path):
    root = tmp_path / "exports"
    export_day(scored, DAY, root, tasks_per_owner=TASKS_PER_OWNER)
    (root / DAY.isoformat() / "owners" / "stale.csv").write_text("old")
    export_day(scored, DAY, root, tasks_per_owner=TASKS_PER_OWNER)
    assert not (root / DAY.isoformat() / "owners" / "stale.csv").exists()
    assert sorted(p.name for p in root.iterdir()) == [DAY.isoformat()]


def test_nothing_is_sent_when_no_target_is_configured(scored, tasks, server, tmp_path):
    report = push_day_tasks(scored, tasks, settings_for(tmp_path, None))
    assert report.status == "not_configured" and report.sent == 0 and report.tasks == len(tasks)
    assert server.requests == []


def test_pushing_twice_creates_each_task_once(scored, tasks, server, tmp_path):
    settings = settings_for(tmp_path, server.base_url)
    first = push_day_tasks(scored, tasks, settings)
    assert (first.status, first.sent, first.skipped_already_pushed) == ("pushed", len(tasks), 0)
    assert len(server.tasks) == len(tasks)
    second = push_day_tasks(scored, tasks, settings)
    assert (second.sent, second.skipped_already_pushed) == (0, len(tasks))
    assert len(server.requests) == len(tasks)  # the repeat sent nothing at all
    assert sorted(server.tasks) == sorted(t["idempotency_key"] for t in tasks)
    assert all(r.authorized and r.idempotency_key for r in server.requests)


def test_a_lost_ledger_resends_the_same_keys_and_the_crm_refuses_duplicates(scored, tasks, server, tmp_path):
    settings = settings_for(tmp_path, server.base_url)
    push_day_tasks(scored, tasks, settings)
    scored.execute(f"delete from {CRM_TASK_PUSHES}")
    again = push_day_tasks(scored, tasks, settings)
    assert again.sent == len(tasks) and again.already_in_crm == len(tasks)
    assert len(server.tasks) == len(tasks)


def test_transient_failures_and_a_lost_answer_are_retried_without_duplicates(scored, tasks, server, tmp_path):
    server.inject("503", "store-then-drop", "429", "drop")
    settings = settings_for(tmp_path, server.base_url)
    settings.http_max_retries = 5
    report = push_day_tasks(scored, tasks, settings)
    assert report.sent == len(tasks)
    assert len(server.tasks) == len(tasks)
    assert len(server.requests) == len(tasks) + 4
    assert [r.status for r in server.requests[:5]] == [503, None, 429, None, 200]  # 200: the stored one, found again


def test_a_refused_token_fails_at_once(scored, tasks, server, tmp_path):
    settings = settings_for(tmp_path, server.base_url)
    settings.crm_tasks_token = SecretStr("wrong")
    with pytest.raises(CrmApiAuthError) as failure:
        push_day_tasks(scored, tasks, settings)
    assert "wrong" not in str(failure.value)
    assert len(server.requests) == 1


def test_a_crm_that_stays_down_exhausts_the_retries_of_the_one_crm_client(scored, tasks, server, tmp_path, caplog):
    """The task push retries in the CRM client's one loop (the stream reads use the same): the
    configured number of retries, each logged, then an error naming the request and the last failure."""
    server.inject("503", "503", "503")
    settings = settings_for(tmp_path, server.base_url)
    settings.http_max_retries = 2
    with caplog.at_level("WARNING"), pytest.raises(CrmApiRetriesExhausted) as failure:
        push_day_tasks(scored, tasks, settings)
    message = str(failure.value)
    assert message.startswith("CRM API gave up on task after 3 attempts (2 retries): POST /v1/tasks")
    assert message.endswith("last error: HTTP 503 Service Unavailable") and failure.value.status == 503
    assert [r.status for r in server.requests] == [503, 503, 503]
    assert sum("retry" in r.getMessage() for r in caplog.records) == 2
    assert scored.execute(f"select count(*) from {CRM_TASK_PUSHES}").fetchone()[0] == 0
