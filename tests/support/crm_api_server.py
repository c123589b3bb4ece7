"""A real CRM API server on loopback, with fault injection, for testing the HTTP connector.

:class:`CrmApiServer` serves an in-memory dataset ``{stream: [records]}`` with the API
documented in :mod:`lead_sla.sources.http_api` (``GET /v1/{stream}`` with ``updated_after``,
``cursor`` and ``limit``; bearer token; results ordered by (cursor column, key); an opaque
cursor encoding the last (cursor instant, key)). It runs ``http.server.ThreadingHTTPServer``
on ``127.0.0.1`` with an ephemeral port in a background thread, started and stopped by a
context manager, and records every request for assertions.

Faults are queued per stream (or for :data:`ANY` stream) with :meth:`CrmApiServer.inject`
and consumed in order, one per request; a stream's own queue goes before the ``ANY`` queue:

- ``"ok"``: no fault, answer normally (to aim a later fault at a later page);
- ``"429"``: 429 with ``Retry-After: 1``; ``"<status>"``: any other status (``"500"``,
  ``"503"``, ``"404"``...) with a JSON error body; ``"<status>:<value>"`` sends
  ``Retry-After: <value>`` with it (delta-seconds or an HTTP-date; ``"429:"`` sends none);
- ``"timeout"`` / ``"timeout:<seconds>"``: wait (default ``timeout_fault_seconds``) before
  answering normally, i.e. longer than the client's timeout;
- ``"drop"``: close the connection without sending any response;
- ``"malformed"``: answer 200 with a body that is not JSON.

:func:`build_crm_dataset` builds a deterministic dataset for the CRM streams users,
companies, contacts, activities and deals, with many records sharing each ``updated_at``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback import LoopbackServer
from lead_sla.sources.streams import (
    ACTIVITY_TYPES,
    DIRECTIONS,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    OUTCOMES,
    TEAMS,
    Stream,
    get_stream,
)

logger = logging.getLogger(__name__)

ANY = "*"
"""Fault queue key that applies to requests for any stream."""

_STREAM_PATH = re.compile(r"^/v1/(?P<stream>[a-z_]+)/?$")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received, and what it did about it."""

    method: str
    path: str
    query: dict[str, str]
    stream: str | None
    authorized: bool  # the Authorization header was exactly "Bearer <token>"
    fault: str | None  # the injected fault applied to this request, if any
    status: int | None  # the status sent; None when the connection was dropped


@dataclass(frozen=True)
class _Fault:
    spec: str
    kind: str  # "ok", "status", "timeout", "drop", "malformed"
    status: int = 0
    retry_after: str | None = None
    seconds: float | None = None


def _parse_fault(spec: str) -> _Fault:
    head, sep, arg = spec.partition(":")
    if head in ("ok", "drop", "malformed") and not sep:
        return _Fault(spec, head)
    if head == "timeout":
        return _Fault(spec, "timeout", seconds=float(arg) if sep else None)
    if head.isdigit() and 400 <= int(head) <= 599:
        status = int(head)
        if sep:
            retry_after = arg or None
        else:
            retry_after = "1" if status == 429 else None
        return _Fault(spec, "status", status=status, retry_after=retry_after)
    raise ValueError(
        f"unknown fault {spec!r}; use ok, <4xx/5xx status>[:<Retry-After>], timeout[:<seconds>], drop or malformed"
    )


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _encode_cursor(instant: datetime, key: str) -> str:
    raw = json.dumps([instant.isoformat(), key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        instant_text, key = json.loads(raw)
        instant = datetime.fromisoformat(instant_text)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(f"invalid cursor: {exc}") from None
    if instant.tzinfo is None or not isinstance(key, str):
        raise ValueError("invalid cursor")
    return instant, key


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would add ~40 ms each
    timeout = 30  # idle keep-alive connections end eventually even if a client leaks them
    server: Any  # loopback._HttpServer, whose .app is the CrmApiServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        try:
            self.server.app._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("CRM test server: " + format, *args)


class CrmApiServer(LoopbackServer):
    """A CRM API on ``127.0.0.1:<ephemeral port>``; use as a context manager.

    ``dataset`` maps stream names of the contract to their records; ``token`` is the
    bearer token the server accepts. ``limit`` is clamped to ``max_limit``.
    """

    handler = _Handler
    thread_name = "crm-api-server"

    def __init__(
        self,
        dataset: Mapping[str, Sequence[Mapping[str, object]]],
        token: str,
        *,
        default_limit: int = 100,
        max_limit: int = 1000,
        timeout_fault_seconds: float = 5.0,
    ) -> None:
        super().__init__()
        self._streams: dict[str, Stream] = {name: get_stream(name) for name in dataset}
        self._data: dict[str, list[dict[str, object]]] = {
            name: [dict(record) for record in records] for name, records in dataset.items()
        }
        self._token = token
        self._default_limit = default_limit
        self._max_limit = max_limit
        self._timeout_fault_seconds = timeout_fault_seconds
        self._lock = threading.Lock()
        self._faults: dict[str, list[_Fault]] = {}
        self._requests: list[RecordedRequest] = []


    # --- test controls -----------------------------------------------------------------------

    def inject(self, stream: str, faults: Iterable[str]) -> None:
        """Queue ``faults`` for successive requests to ``stream`` (or to :data:`ANY` stream)."""
        if stream != ANY and stream not in self._streams:
            raise ValueError(f"stream {stream!r} is not served; served: {', '.join(self._streams)}")
        parsed = [_parse_fault(spec) for spec in faults]
        with self._lock:
            self._faults.setdefault(stream, []).extend(parsed)

    def pending_faults(self) -> dict[str, list[str]]:
        """Faults queued but not yet consumed, per queue."""
        with self._lock:
            return {name: [f.spec for f in queue] for name, queue in self._faults.items() if queue}

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def records(self, stream: str) -> list[dict[str, object]]:
        """A copy of the records the server holds for ``stream``."""
        with self._lock:
            return [dict(record) for record in self._data[stream]]

    def upsert(self, stream: str, records: Iterable[Mapping[str, object]]) -> None:
        """Replace records of ``stream`` by key, or add them (a record changed at the source)."""
        key = self._streams[stream].key
        with self._lock:
            rows = self._data[stream]
            position = {row[key]: i for i, row in enumerate(rows)}
            for record in records:
                row = dict(record)
                if row[key] in position:
                    rows[position[row[key]]] = row
                else:
                    position[row[key]] = len(rows)
                    rows.append(row)

    # --- serving -------------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        match = _STREAM_PATH.match(split.path)
        stream = match["stream"] if match else None
        authorized = handler.headers.get("Authorization") == f"Bearer {self._token}"
        fault = self._next_fault(stream)

        def record(status: int | None) -> None:
            with self._lock:
                self._requests.append(
                    RecordedRequest("GET", split.path, query, stream, authorized, fault.spec if fault else None, status)
                )

        if fault is not None and fault.kind == "drop":
            record(None)
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "status":
            body = {"error": f"injected fault: HTTP {fault.status}"}
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            record(fault.status)
            self._send_json(handler, fault.status, body, headers)
            return
        status, body = self._answer(stream, authorized, query)
        record(status)
        if fault is not None and fault.kind == "timeout":
            self._stopping.wait(fault.seconds if fault.seconds is not None else self._timeout_fault_seconds)
        if fault is not None and fault.kind == "malformed" and status == 200:
            self._send_bytes(handler, 200, b"<html>this is not JSON</html>", "text/html")
            return
        self._send_json(handler, status, body)

    def _next_fault(self, stream: str | None) -> _Fault | None:
        with self._lock:
            for queue_name in (stream, ANY):
                queue = self._faults.get(queue_name) if queue_name is not None else None
                if queue:
                    fault = queue.pop(0)
                    return None if fault.kind == "ok" else fault
        return None

    def _answer(self, stream: str | None, authorized: bool, query: dict[str, str]) -> tuple[int, dict[str, object]]:
        """Status and JSON body for a request that met no fault."""
        if not authorized:
            return 401, {"error": "invalid or missing bearer token"}
        if stream is None or stream not in self._streams:
            return 404, {"error": f"no such stream: {stream}"}
        try:
            limit = int(query.get("limit", self._default_limit))
        except ValueError:
            return 400, {"error": "limit must be an integer"}
        if limit < 1:
            return 400, {"error": "limit must be >= 1"}
        limit = min(limit, self._max_limit)
        since: datetime | None = None
        if "updated_after" in query:
            since = _instant(query["updated_after"])
            if since is None:
                return 400, {"error": "updated_after must be an ISO-8601 instant"}
        after: tuple[datetime, str] | None = None
        if "cursor" in query:
            try:
                after = _decode_cursor(query["cursor"])
            except ValueError as exc:
                return 400, {"error": str(exc)}
        results, next_cursor = self._page(self._streams[stream], since, after, limit)
        return 200, {"results": results, "next_cursor": next_cursor}

    def _page(
        self, stream: Stream, since: datetime | None, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[dict[str, object]], str | None]:
        with self._lock:
            rows = [
                ((_instant(row.get(stream.cursor)) or _EARLIEST), str(row[stream.key]), dict(row))
                for row in self._data[stream.name]
            ]
        rows.sort(key=lambda item: (item[0], item[1]))
        selected = [
            item
            for item in rows
            if (since is None or item[0] > since) and (after is None or (item[0], item[1]) > after)
        ]
        page = selected[:limit]
        next_cursor = _encode_cursor(page[-1][0], page[-1][1]) if len(selected) > limit else None
        return [item[2] for item in page], next_cursor

    @staticmethod
    def _send_json(
        handler: _Handler, status: int, body: Mapping[str, object], headers: Mapping[str, str] | None = None
    ) -> None:
        CrmApiServer._send_bytes(handler, status, json.dumps(body).encode(), "application/json", headers)

    @staticmethod
    def _send_bytes(
        handler: _Handler, status: int, payload: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)


# --- a deterministic CRM dataset ----------------------------------------------------------------

_FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Keiko", "Liam")
_LAST_NAMES = ("Alvarez", "Brown", "Chen", "Dubois", "Eze", "Fischer", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski")
_ZONES = (
    ("America/New_York", "US"), ("America/Chicago", "US"), ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"), ("Europe/Berlin", "DE"),
)
_SUBDIVISIONS = {"America/New_York": "US-NY", "America/Los_Angeles": "US-CA", "Europe/London": "GB-ENG"}
_INDUSTRIES = ("software", "manufacturing", "healthcare", "retail", "finance", "education")
_JOB_TITLES = ("Head of Marketing", "CTO", "Operations Manager", "Data Analyst", "VP Sales", "Founder")
_SOURCES = ("web_form", "import", "event", "referral", "outbound")
_DEAL_STAGES = ("discovery", "proposal", "negotiation", "closed_won", "closed_lost")
_LOST_REASONS = ("price", "timing", "competitor", "no_decision")


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _conform(stream: Stream, record: dict[str, object]) -> dict[str, object]:
    """Order ``record`` like the contract and fail if its columns drifted from it."""
    if set(record) != set(stream.column_names):
        missing = sorted(set(stream.column_names) - set(record))
        extra = sorted(set(record) - set(stream.column_names))
        raise AssertionError(f"{stream.name}: dataset drifted from the contract; missing {missing}, extra {extra}")
    return {name: record[name] for name in stream.column_names}


def build_crm_dataset(
    *,
    users: int = 12,
    companies: int = 30,
    contacts: int = 240,
    activities: int = 600,
    deals: int = 80,
    records_per_timestamp: int = 25,
    start: datetime = datetime(2024, 3, 4, 8, 0, tzinfo=UTC),
) -> dict[str, list[dict[str, object]]]:
    """A deterministic ``{stream: [records]}`` for users, companies, contacts, activities, deals.

    Records carry exactly the contract's columns (JSON strings, numbers, booleans, null;
    timestamps as ISO-8601 UTC with ``Z``) and consistent foreign keys. About
    ``records_per_timestamp`` records of a stream share each ``updated_at`` value (five
    minutes apart), and records are not stored in cursor order, so the server must sort and
    paginate stably.
    """

    if min(users, companies, contacts) < 1 or min(activities, deals) < 0 or records_per_timestamp < 1:
        raise ValueError("need at least one user, company and contact, and records_per_timestamp >= 1")

    def updated_at(i: int, count: int) -> str:
        blocks = -(-count // records_per_timestamp)
        # Scatter records over the blocks with a stride coprime to their number, so that
        # storage order is not cursor order and every block holds about the same count.
        stride = next(s for s in (7, 11, 13, 1) if math.gcd(s, blocks) == 1)
        return _stamp(start + timedelta(minutes=5 * ((i * stride) % blocks)))

    def at(days: float) -> str:
        return _stamp(start - timedelta(days=days))

    user_ids = [f"U{i:03d}" for i in range(1, users + 1)]
    company_ids = [f"CO{i:04d}" for i in range(1, companies + 1)]
    contact_ids = [f"C{i:05d}" for i in range(1, contacts + 1)]

    stream = get_stream("users")
    user_rows = []
    for i, owner_id in enumerate(user_ids):
        first, last = _FIRST_NAMES[i % len(_FIRST_NAMES)], _LAST_NAMES[(i * 3) % len(_LAST_NAMES)]
        zone, country = _ZONES[i % len(_ZONES)]
        user_rows.append(_conform(stream, {
            "owner_id": owner_id, "name": f"{first} {last}", "email": f"{first}.{last}@acme-crm.example".lower(),
            "team": TEAMS[i % len(TEAMS)], "timezone": zone, "country": country,
            "work_start": "09:00" if i % 2 else "08:30", "work_end": "17:30" if i % 2 else "17:00",
            "active": i % 7 != 6, "updated_at": updated_at(i, users),
            # Only some users have a region recorded; everyone but the first reports to the first.
            "subdivision": _SUBDIVISIONS.get(zone) if i % 3 else None, "manager_id": user_ids[0] if i else None,
        }))

    stream = get_stream("companies")
    company_rows = []
    for i, company_id in enumerate(company_ids):
        company_rows.append(_conform(stream, {
            "company_id": company_id, "name": f"Company {i + 1} Ltd", "domain": f"company{i + 1}.example",
            "industry": _INDUSTRIES[i % len(_INDUSTRIES)], "employee_count": 10 + (i * 37) % 4990,
            "annual_revenue": round(250_000 + i * 137_500.5, 2), "country": _ZONES[i % len(_ZONES)][1],
            "created_at": at(400 - i), "is_deleted": i % 29 == 28, "updated_at": updated_at(i, companies),
        }))

    stream = get_stream("contacts")
    contact_rows = []
    for i, contact_id in enumerate(contact_ids):
        first, last = _FIRST_NAMES[(i * 5) % len(_FIRST_NAMES)], _LAST_NAMES[i % len(_LAST_NAMES)]
        company_id = company_ids[i % companies] if i % 9 else None
        contact_rows.append(_conform(stream, {
            "contact_id": contact_id, "email": f"{first}.{last}.{i}@company{i % companies + 1}.example".lower(),
            "first_name": first, "last_name": last, "job_title": _JOB_TITLES[i % len(_JOB_TITLES)],
            "company_id": company_id, "owner_id": user_ids[i % users] if i % 6 else None,
            "lifecycle_stage": LIFECYCLE_STAGES[i % len(LIFECYCLE_STAGES)],
            "lead_status": LEAD_STATUSES[i % len(LEAD_STATUSES)], "source": _SOURCES[i % len(_SOURCES)],
            "created_at": at(90 - (i % 90) + 0.5), "is_deleted": i % 53 == 52,
            "updated_at": updated_at(i, contacts),
        }))

    stream = get_stream("activities")
    activity_rows = []
    for i in range(activities):
        occurred = start - timedelta(days=30) + timedelta(minutes=47 * i)
        activity_type = ACTIVITY_TYPES[i % len(ACTIVITY_TYPES)]
        activity_rows.append(_conform(stream, {
            "activity_id": f"A{i + 1:06d}", "contact_id": contact_ids[(i * 11) % contacts],
            "owner_id": user_ids[i % users], "type": activity_type,
            "direction": None if activity_type == "note" else DIRECTIONS[(i // 3) % len(DIRECTIONS)],
            "occurred_at": _stamp(occurred), "outcome": OUTCOMES[i % len(OUTCOMES)],
            "created_at": _stamp(occurred + timedelta(minutes=2)), "updated_at": updated_at(i, activities),
        }))

    stream = get_stream("deals")
    deal_rows = []
    for i in range(deals):
        stage = _DEAL_STAGES[i % len(_DEAL_STAGES)]
        closed = stage.startswith("closed_")
        deal_rows.append(_conform(stream, {
            "deal_id": f"D{i + 1:04d}", "contact_id": contact_ids[(i * 3) % contacts],
            "company_id": company_ids[i % companies],
            "owner_id": user_ids[(i * 5) % users], "created_at": at(60 - (i % 60)),
            "stage": stage, "amount": round(5_000 + i * 1_250.25, 2), "currency": "EUR" if i % 4 == 3 else "USD",
            "closed_at": at(1 + i % 10) if closed else None, "is_won": (stage == "closed_won") if closed else None,
            "lost_reason": _LOST_REASONS[i % len(_LOST_REASONS)] if stage == "closed_lost" else None,
            "is_deleted": i % 41 == 40, "updated_at": updated_at(i, deals),
        }))

    return {
        "users": user_rows,
        "companies": company_rows,
        "contacts": contact_rows,
        "activities": activity_rows,
        "deals": deal_rows,
    }

