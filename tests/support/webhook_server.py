"""A webhook receiver on loopback: records each POST's path, headers and JSON body, and answers with
the status the test sets (200 by default), like a Slack incoming webhook."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        app: WebhookServer = self.server.app  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with app.lock:
            app.requests.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                 "json": json.loads(body) if body else None})
        answer = b"ok" if app.status < 400 else b"invalid_token"
        self.send_response(app.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class WebhookServer(LoopbackServer):
    handler = _Handler
    thread_name = "webhook-test-server"

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
