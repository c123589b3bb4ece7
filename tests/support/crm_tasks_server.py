"""A real CRM task-import API on loopback, with fault injection, for testing the push of lead lists.

:class:`CrmTasksServer` implements the API documented in :mod:`lead_sla.scoring.push`:
``POST /v1/tasks`` with a bearer token, an ``Idempotency-Key`` header and a JSON task. A new key
stores the task and answers ``201 {"id": "TASK-000001"}``; a key already stored answers ``200``
with the stored task's id and stores nothing (the CRM's own duplicate protection). It runs
``ThreadingHTTPServer`` on ``127.0.0.1`` with an ephemeral port in a background thread, and
records every request.

Faults, queued with :meth:`CrmTasksServer.inject` and consumed one per request, in order:

- ``"<status>"`` (``"503"``, ``"500"``, ``"400"``...): answer that status, store nothing;
  ``"429"`` sends ``Retry-After: 0``;
- ``"drop"``: close the connection without answering, store nothing;
- ``"store-then-drop"``: store the task, then close the connection without answering (the
  client cannot know the task exists: its retry must not create a duplicate).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer

logger = logging.getLogger(__name__)

TASKS_PATH = "/v1/tasks"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received and what it did."""

    method: str
    path: str
    idempotency_key: str | None
    authorized: bool
    fault: str | None
    status: int | None  # None when the connection was dropped


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30
    server: Any  # loopback._HttpServer, whose .app is the CrmTasksServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        try:
            self.server.app._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self.server.app._send(self, 405, {"error": "method not allowed"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("CRM tasks test server: " + format, *args)


class CrmTasksServer(LoopbackServer):
    """A CRM task API on ``127.0.0.1:<ephemeral port>``; use as a context manager."""

    handler = _Handler
    thread_name = "crm-tasks-server"

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token
        self._lock = threading.Lock()
        self._faults: list[str] = []
        self._requests: list[RecordedRequest] = []
        self._tasks: dict[str, dict[str, object]] = {}  # idempotency key -> stored task (with its id)


    def inject(self, *faults: str) -> None:
        """Queue faults for the next requests (see the module docstring)."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def tasks(self) -> dict[str, dict[str, object]]:
        """Stored tasks by idempotency key."""
        with self._lock:
            return {key: dict(task) for key, task in self._tasks.items()}

    # --- serving -----------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        key = handler.headers.get("Idempotency-Key")
        authorized = handler.headers.get("Authorization") == f"Bearer {self._token}"
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None

        def record(status: int | None) -> None:
            with self._lock:
                self._requests.append(RecordedRequest("POST", handler.path, key, authorized, fault, status))

        if handler.path != TASKS_PATH:
            record(404)
            self._send(handler, 404, {"error": "not found"})
            return
        if fault == "drop":
            record(None)
            handler.close_connection = True
            return
        if fault is not None and fault.isdigit():
            status = int(fault)
            record(status)
            headers = {"Retry-After": "0"} if status == 429 else {}
            self._send(handler, status, {"error": f"injected {status}"}, headers)
            return
        if not authorized:
            record(401)
            self._send(handler, 401, {"error": "unauthorized"})
            return
        if not key:
            record(400)
            self._send(handler, 400, {"error": "Idempotency-Key header required"})
            return
        try:
            task = json.loads(body)
        except ValueError:
            record(400)
            self._send(handler, 400, {"error": "body is not JSON"})
            return
        with self._lock:
            existing = self._tasks.get(key)
            if existing is None:
                stored = {**task, "id": f"TASK-{len(self._tasks) + 1:06d}"}
                self._tasks[key] = stored
        if fault == "store-then-drop":
            record(None)
            handler.close_connection = True
            return
        if existing is not None:
            record(200)
            self._send(handler, 200, {"id": existing["id"], "duplicate": True})
        else:
            record(201)
            self._send(handler, 201, {"id": stored["id"]})

    @staticmethod
    def _send(handler: _Handler, status: int, payload: dict[str, object], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
