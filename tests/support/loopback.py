"""What the test servers share: a threaded HTTP server on an ephemeral loopback port, started and
stopped by a context manager. Subclasses give the request handler and answer requests."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

logger = logging.getLogger(__name__)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a client holding a keep-alive connection must not block stop()

    def __init__(self, app: LoopbackServer, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.app = app

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are part of the tests; stay quiet about them.
        logger.debug("%s: error serving %s", type(self.app).__name__, client_address, exc_info=True)


class LoopbackServer:
    """Serve ``handler`` on ``127.0.0.1:<ephemeral port>`` in a background thread."""

    handler: type[BaseHTTPRequestHandler]
    thread_name = "loopback-server"

    def __init__(self) -> None:
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # set on stop: wakes handlers that hold a request on purpose

    def start(self) -> Self:
        """Bind an ephemeral loopback port and serve in a background thread."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _HttpServer(self, self.handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake held handlers, and free the port."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"
