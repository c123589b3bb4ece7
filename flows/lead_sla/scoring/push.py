"""Sending the day's tasks to the CRM, only when a target is configured, safely repeatable.

The CRM task import API
-----------------------
``POST {crm_tasks_url}/v1/tasks`` with ``Authorization: Bearer <token>``, the header
``Idempotency-Key: <key>`` and a task (:func:`lead_sla.scoring.exports.task_payload`) as JSON.
The CRM answers ``201`` with ``{"id": ...}`` for a new task, ``200`` (same body) or ``409`` when a
task with that key already exists; ``401``/``403`` refuse the token; ``429`` and ``5xx`` are
transient.

Safety
------
:class:`CrmTaskClient` is the CRM API client of :mod:`lead_sla.sources.http_api` with a POST
added: the same constructor checks, token handling and one ``send_with_retries`` (timeout,
exponential backoff with jitter, ``Retry-After``, retry cap); retrying a POST is safe because the
key makes it idempotent.
:func:`push_tasks` keeps a ledger, ``scoring.crm_task_pushes``: a task already accepted is not
sent again, so repeating a push sends nothing new; a task accepted by the CRM whose ledger row
was lost (a crash between the two) is sent again under the same key and the CRM refuses the
duplicate. Nothing is sent when ``crm_tasks_url`` is not set.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

import duckdb
import httpx

from lead_sla.ops.runlog import utc_now
from lead_sla.settings import Settings
from lead_sla.scoring.tables import CRM_TASK_PUSHES, ensure_scoring_schema
from lead_sla.sources.http_api import CrmApiAuthError, CrmApiClient, CrmApiError

logger = logging.getLogger(__name__)

TASKS_PATH = "/v1/tasks"
_STREAM = "tasks"  # what CrmApiError names as the "stream" for task requests
_BODY_SNIPPET_CHARS = 200


@dataclass(frozen=True)
class TaskAccepted:
    """The CRM's acceptance of one task."""

    status: int
    crm_task_id: str | None
    already_existed: bool


@dataclass(frozen=True)
class PushReport:
    """What a push did: ``status`` is ``not_configured`` (nothing sent) or ``pushed``."""

    status: str
    target: str | None
    tasks: int = 0
    sent: int = 0
    skipped_already_pushed: int = 0
    already_in_crm: int = 0
    keys_sent: list[str] = field(default_factory=list)


class CrmTaskClient(CrmApiClient):
    """The CRM API client with task creation (``POST /v1/tasks``) added."""

    @classmethod
    def for_tasks(cls, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> CrmTaskClient:
        """A client for ``crm_tasks_url`` with the task token and the ``http_*`` settings."""
        if not settings.crm_tasks_url:
            raise ValueError("crm_tasks_url is not set (LEAD_SLA_CRM_TASKS_URL)")
        token = settings.tasks_token
        if token is None:
            raise ValueError("no token for the CRM task API (LEAD_SLA_CRM_TASKS_TOKEN or LEAD_SLA_CRM_API_TOKEN)")
        return cls(
            settings.crm_tasks_url,
            token,
            timeout=settings.http_timeout_seconds,
            max_retries=settings.http_max_retries,
            backoff_seconds=settings.http_backoff_seconds,
            sleep=sleep,
        )

    def create_task(self, task: dict[str, object], idempotency_key: str) -> TaskAccepted:
        """POST one task under ``idempotency_key``, retrying transient failures; raise :class:`CrmApiError` otherwise."""
        http_request = self._http.build_request(
            "POST", TASKS_PATH, json=task, headers={"Idempotency-Key": idempotency_key}, timeout=self._timeout
        )
        response = self.send_with_retries(
            http_request,
            request=f"POST {TASKS_PATH} (Idempotency-Key {idempotency_key})",
            subject="task",
            stream=_STREAM,
            accept=(200, 201, 409),
            refuse=self._refuse,
        )
        status = response.status_code
        return TaskAccepted(status, _task_id(response), already_existed=status != 201)

    def _refuse(self, request: str, response: httpx.Response, failure: str) -> NoReturn:
        status = response.status_code
        if status in (401, 403):
            raise CrmApiAuthError(
                f"CRM task API refused the token ({failure}): {request}; check LEAD_SLA_CRM_TASKS_TOKEN",
                _STREAM, request, status,
            )
        snippet = self._redact(response.text[:_BODY_SNIPPET_CHARS]).strip()
        raise CrmApiError(
            f"CRM task API rejected {request} with {failure}" + (f"; response: {snippet}" if snippet else ""),
            _STREAM, request, status,
        )


def _task_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return str(value) if value is not None else None


def pushed_keys(conn: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the ledger already holds."""
    if not keys:
        return set()
    marks = ", ".join("?" for _ in keys)
    rows = conn.execute(f"select idempotency_key from {CRM_TASK_PUSHES} where idempotency_key in ({marks})",
                        list(keys)).fetchall()
    return {row[0] for row in rows}


def push_tasks(conn: duckdb.DuckDBPyConnection, tasks: Sequence[dict[str, object]], client: CrmTaskClient,
               *, target: str) -> PushReport:
    """Send every task the ledger does not hold yet, recording each one as soon as the CRM accepts it."""
    ensure_scoring_schema(conn)
    keys = [str(task["idempotency_key"]) for task in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("two tasks share an idempotency key")
    done = pushed_keys(conn, keys)
    sent: list[str] = []
    already_in_crm = 0
    for task, key in zip(tasks, keys):
        if key in done:
            continue
        accepted = client.create_task(task, key)
        already_in_crm += int(accepted.already_existed)
        conn.execute(
            f"insert into {CRM_TASK_PUSHES} (idempotency_key, score_date, owner_id, contact_id, crm_task_id, "
            "response_status, pushed_at) values (?, ?, ?, ?, ?, ?, ?)",
            [key, date.fromisoformat(str(task["score_date"])), task["owner_id"], task["contact_id"],
             accepted.crm_task_id, accepted.status, utc_now()],
        )
        sent.append(key)
    report = PushReport("pushed", target, tasks=len(tasks), sent=len(sent), skipped_already_pushed=len(done),
                        already_in_crm=already_in_crm, keys_sent=sent)
    logger.info("CRM tasks: %d sent (%d already in the CRM), %d already pushed before, to %s",
                report.sent, report.already_in_crm, report.skipped_already_pushed, target)
    return report


def push_day_tasks(conn: duckdb.DuckDBPyConnection, tasks: Sequence[dict[str, object]], settings: Settings,
                   *, sleep: Callable[[float], None] = time.sleep) -> PushReport:
    """Push ``tasks`` to ``settings.crm_tasks_url``; without a configured target send nothing."""
    if not settings.crm_tasks_url:
        logger.info("no CRM task target configured (LEAD_SLA_CRM_TASKS_URL): %d tasks exported, nothing sent",
                    len(tasks))
        return PushReport("not_configured", None, tasks=len(tasks))
    with CrmTaskClient.for_tasks(settings, sleep=sleep) as client:
        return push_tasks(conn, tasks, client, target=str(httpx.URL(settings.crm_tasks_url).copy_with(
            username=None, password=None, query=None, fragment=None)))


def describe_report(report: PushReport) -> str:
    """One line for logs and the CLI."""
    if report.status == "not_configured":
        return f"{report.tasks} CRM tasks exported; no target configured, nothing sent"
    return json.dumps({k: v for k, v in vars(report).items() if k != "keys_sent"})
