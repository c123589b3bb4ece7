"""A small SMTP server on an ephemeral loopback port, for tests: it speaks enough of RFC 5321 for
``smtplib`` (EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps what it
received, and can refuse a login or a recipient. No TLS: the tests set ``LEAD_SLA_SMTP_SECURITY=none``.

    with SmtpServer(users={"reports": "s3cret"}) as smtp:
        ... send to ("127.0.0.1", smtp.port) ...
        smtp.messages[0].recipients
"""

from __future__ import annotations

import base64
import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Self


@dataclass
class Received:
    """One message as the server got it: the envelope, who logged in, and the parsed message."""

    sender: str
    recipients: list[str]
    user: str | None
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _State:
    users: dict[str, str]
    refuse: set[str]
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: "_Server"
    timeout = 10

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def _line(self) -> str:
        raw = self.rfile.readline(65536)
        if not raw:
            raise ConnectionError("client hung up")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def _check(self, user: str, password: str) -> bool:
        state = self.server.state
        ok = state.users.get(user) == password
        with state.lock:
            state.logins.append((user, ok))
        return ok

    def handle(self) -> None:  # noqa: C901 - one command per branch
        state = self.server.state
        user: str | None = None
        sender: str | None = None
        recipients: list[str] = []
        self._reply("220 localhost test SMTP")
        try:
            while True:
                line = self._line()
                verb, _, rest = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    self._reply("250-localhost")
                    self._reply("250-8BITMIME")
                    self._reply("250-AUTH PLAIN LOGIN")
                    self._reply("250 SIZE 10485760")
                elif verb == "HELO":
                    self._reply("250 localhost")
                elif verb == "AUTH":
                    mechanism, _, initial = rest.partition(" ")
                    if mechanism.upper() == "PLAIN":
                        if not initial:
                            self._reply("334 ")
                            initial = self._line()
                        _, name, password = base64.b64decode(initial).decode().split("\0")
                    elif mechanism.upper() == "LOGIN":
                        self._reply("334 " + base64.b64encode(b"Username:").decode())
                        name = base64.b64decode(self._line()).decode()
                        self._reply("334 " + base64.b64encode(b"Password:").decode())
                        password = base64.b64decode(self._line()).decode()
                    else:
                        self._reply("504 unknown mechanism")
                        continue
                    if self._check(name, password):
                        user = name
                        self._reply("235 authenticated")
                    else:
                        self._reply("535 authentication failed")
                elif verb == "MAIL":
                    if state.users and user is None:
                        self._reply("530 authentication required")
                        continue
                    sender = rest.split(":", 1)[1].split()[0].strip("<>")
                    recipients = []
                    self._reply("250 ok")
                elif verb == "RCPT":
                    address = rest.split(":", 1)[1].strip().strip("<>")
                    if address in state.refuse:
                        self._reply(f"550 no such mailbox: {address}")
                    else:
                        recipients.append(address)
                        self._reply("250 ok")
                elif verb == "DATA":
                    if sender is None or not recipients:
                        self._reply("503 need MAIL and RCPT first")
                        continue
                    self._reply("354 end with <CRLF>.<CRLF>")
                    chunks = []
                    while True:
                        raw = self.rfile.readline(1 << 20)
                        if not raw:
                            raise ConnectionError("client hung up in DATA")
                        if raw in (b".\r\n", b".\n"):
                            break
                        chunks.append(raw[1:] if raw.startswith(b"..") else raw)
                    with state.lock:
                        state.messages.append(Received(sender, list(recipients), user, b"".join(chunks)))
                    sender, recipients = None, []
                    self._reply("250 queued")
                elif verb == "RSET":
                    sender, recipients = None, []
                    self._reply("250 ok")
                elif verb == "NOOP":
                    self._reply("250 ok")
                elif verb == "QUIT":
                    self._reply("221 bye")
                    return
                else:
                    self._reply("502 command not implemented")
        except (ConnectionError, OSError, ValueError):
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class SmtpServer:
    """Serve SMTP on ``127.0.0.1:<ephemeral port>`` in a background thread.

    ``users``: accepted logins (empty: no login needed); ``refuse``: recipients answered with 550.
    """

    def __init__(self, users: dict[str, str] | None = None, refuse: set[str] | None = None) -> None:
        self.state = _State(dict(users or {}), set(refuse or ()))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="smtp-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def messages(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.messages)

    @property
    def logins(self) -> list[tuple[str, bool]]:
        with self.state.lock:
            return list(self.state.logins)
