"""Client of the CRM's HTTP API: paged, incremental reads of one stream at a time.

The API
-------
``GET {base_url}/v1/{stream}?updated_after=<ISO-8601 UTC>&cursor=<opaque>&limit=<n>``
with the header ``Authorization: Bearer <token>`` answers ``200`` with the JSON body::

    {"results": [{record}, ...], "next_cursor": "<opaque>" | null}

- ``stream`` is a CRM stream of the contract (:mod:`lead_sla.sources.streams`); each record
  is a JSON object carrying that stream's columns (strings, numbers, booleans or null).
- ``updated_after`` (optional) keeps only records whose cursor column (``updated_at`` for
  mutable streams, the event time for event streams) is strictly greater than it.
- Results are ordered by (cursor column, key) ascending. ``next_cursor`` encodes the last
  (cursor value, key) of the page, so pagination is stable even when many records share
  one cursor value; it is ``null`` on the last page. ``limit`` caps the page size.
- ``401`` means the token was refused; ``429`` and ``5xx`` are transient.

The client
----------
:class:`CrmApiClient` is the one client of the CRM: extraction reads streams with it, and
scoring's task push (:mod:`lead_sla.scoring.push`) sends tasks with it. Every request goes through
:meth:`CrmApiClient.send_with_retries`: an explicit timeout, the status checked, ``429``, ``5xx``,
timeouts and dropped connections retried with exponential backoff (plus a small seeded jitter) or
the server's ``Retry-After``, both capped by a maximum wait, and any other status failing at once. :meth:`CrmApiClient.iter_pages` yields each page as it
arrives; landing a page and storing its cursor is the extraction layer's job.

The token is a :class:`~pydantic.SecretStr`; it only ever goes into the ``Authorization``
header, never into a log line, an exception, :attr:`ApiPage.request` or a ``repr``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import unquote

import httpx
from pydantic import SecretStr

from lead_sla.sources.streams import Stream

if TYPE_CHECKING:
    from lead_sla.settings import Settings

logger = logging.getLogger(__name__)

API_VERSION_PATH = "/v1"
DEFAULT_MAX_WAIT_SECONDS = 30.0
DEFAULT_JITTER_RATIO = 0.1
_MAX_BACKOFF_EXPONENT = 32  # 2**32 * any sane backoff is far beyond the cap; avoids float overflow
_BODY_SNIPPET_CHARS = 200
# Transport failures that no retry can fix: a bad URL scheme, or a request httpx itself refused to send.
_PERMANENT_TRANSPORT_ERRORS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


class CrmApiError(Exception):
    """The CRM API could not serve a page: names the stream, the request and the last status."""

    def __init__(self, message: str, stream: str = "", request: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.stream = stream
        self.request = request
        self.status = status

    def __reduce__(self) -> tuple[type[CrmApiError], tuple[str, str, str, int | None]]:
        # Keep the attributes when the error crosses a process boundary (pickling).
        return (type(self), (str(self), self.stream, self.request, self.status))


class CrmApiAuthError(CrmApiError):
    """The API refused the token (401) or its permissions (403)."""


class CrmApiRetriesExhausted(CrmApiError):
    """A transient failure (429, 5xx, timeout, dropped connection) outlasted every retry."""


@dataclass(frozen=True)
class ApiPage:
    """One page of one stream, as received.

    ``request`` describes the request that produced the page (method, path and query;
    never the token). ``max_cursor_value`` is the largest value of the stream's cursor
    column among the page's records, as the API sent it, or ``None`` when the page has
    no record with a readable ISO-8601 cursor value.
    """

    stream: str
    records: list[dict[str, object]]
    request: str
    page_number: int
    max_cursor_value: str | None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delta-seconds or HTTP-date).

    Returns ``None`` when the header is absent or unreadable, and never a negative number
    (a date in the past means "retry now").
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def to_utc_iso(value: str) -> str:
    """Normalise an ISO-8601 instant to the API's form ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.

    Accepts an offset, a ``Z`` or no zone at all (read as UTC, the raw layer's convention),
    with ``T`` or a space between date and time. Raises ``ValueError`` otherwise.
    """
    instant = parse_instant(value)
    if instant is None:
        raise ValueError(f"not an ISO-8601 instant: {value!r}")
    text = instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="auto")
    return f"{text}Z"


def parse_instant(value: object) -> datetime | None:
    """Read an ISO-8601 string as an aware datetime (naive means UTC); ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def max_cursor_value(records: list[dict[str, object]], cursor_column: str) -> str | None:
    """The cursor value (as sent) of the latest instant among ``records``; unreadable values are skipped."""
    best: tuple[datetime, str] | None = None
    for record in records:
        raw = record.get(cursor_column)
        if not isinstance(raw, str) or (instant := parse_instant(raw)) is None:
            continue
        if best is None or instant > best[0]:
            best = (instant, raw)
    return best[1] if best is not None else None


class CrmApiClient:
    """Reads CRM streams page by page over HTTP, with timeouts, retries and backoff.

    Use as a context manager (or call :meth:`close`). ``sleep`` is injectable so tests do
    not wait; ``jitter_seed`` makes the jitter reproducible (``None``: seeded by the OS).
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        timeout: float = 10.0,
        max_retries: int = 5,
        backoff_seconds: float = 0.5,
        page_size: int = 500,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        jitter_ratio: float = DEFAULT_JITTER_RATIO,
        jitter_seed: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not isinstance(token, SecretStr):
            raise TypeError("token must be a pydantic SecretStr")
        if not token.get_secret_value():
            raise ValueError("the CRM API token is empty")
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http(s) URL, got scheme {url.scheme!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if backoff_seconds < 0 or max_wait_seconds < 0:
            raise ValueError("backoff_seconds and max_wait_seconds must be >= 0")
        if page_size < 1:
            raise ValueError(f"page_size must be >= 1, got {page_size}")
        if not 0 <= jitter_ratio <= 1:
            raise ValueError(f"jitter_ratio must be within [0, 1], got {jitter_ratio}")

        # Userinfo in the URL would be a second secret; keep it out of everything we print.
        self._base_url = url.copy_with(username=None, password=None, query=None, fragment=None)
        self._timeout = httpx.Timeout(timeout)
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        self._page_size = page_size
        self._max_wait_seconds = max_wait_seconds
        self._jitter_ratio = jitter_ratio
        self._rng = random.Random(jitter_seed)
        self._sleep = sleep
        self._token = token
        self._http = httpx.Client(
            base_url=self._base_url,
            timeout=self._timeout,
            headers={"Authorization": f"Bearer {token.get_secret_value()}", "Accept": "application/json"},
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> CrmApiClient:
        """Build a client from ``crm_api_url``, ``crm_api_token`` and the ``http_*`` settings."""
        if not settings.crm_api_url:
            raise ValueError("crm_api_url is not set (LEAD_SLA_CRM_API_URL)")
        if settings.crm_api_token is None:
            raise ValueError("crm_api_token is not set (LEAD_SLA_CRM_API_TOKEN)")
        return cls(
            settings.crm_api_url,
            settings.crm_api_token,
            timeout=settings.http_timeout_seconds,
            max_retries=settings.http_max_retries,
            backoff_seconds=settings.http_backoff_seconds,
            page_size=settings.http_page_size,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self._base_url)!r}, token=SecretStr('**********'), "
            f"page_size={self._page_size}, max_retries={self._max_retries})"
        )

    def __enter__(self) -> CrmApiClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._http.close()

    def iter_pages(self, stream: Stream, updated_after: str | None) -> Iterator[ApiPage]:
        """Yield every page of ``stream`` whose records changed strictly after ``updated_after``.

        ``updated_after`` is an ISO-8601 instant (naive means UTC) or ``None`` for a full
        read. Pages are yielded as they arrive, numbered from 1, following ``next_cursor``
        until it is null; the last page may be empty. Raises :class:`CrmApiError` (or a
        subclass) when a page cannot be had.
        """
        if stream.system != "crm":
            raise ValueError(f"stream {stream.name!r} belongs to {stream.system!r}, not to the CRM API")
        since = to_utc_iso(updated_after) if updated_after is not None else None
        cursor: str | None = None
        seen_cursors: set[str] = set()
        page_number = 0
        while True:
            params: dict[str, str] = {}
            if since is not None:
                params["updated_after"] = since
            if cursor is not None:
                params["cursor"] = cursor
            params["limit"] = str(self._page_size)
            request, body = self._get(stream, params)
            records, next_cursor = _read_page(body, stream, request)
            page_number += 1
            logger.debug("CRM API %s: page %d with %d records", request, page_number, len(records))
            yield ApiPage(
                stream=stream.name,
                records=records,
                request=request,
                page_number=page_number,
                max_cursor_value=max_cursor_value(records, stream.cursor),
            )
            if next_cursor is None:
                return
            if next_cursor in seen_cursors:
                raise CrmApiError(
                    f"CRM API returned a cursor it had already returned for stream {stream.name!r} "
                    f"(after {request}); stopping to avoid an endless loop",
                    stream.name,
                    request,
                    200,
                )
            seen_cursors.add(next_cursor)
            cursor = next_cursor

    # --- one request, with retries (every call to the CRM goes through here) -----------

    def send_with_retries(
        self,
        http_request: httpx.Request,
        *,
        request: str,
        subject: str,
        stream: str,
        accept: Container[int],
        refuse: Callable[[str, httpx.Response, str], NoReturn],
    ) -> httpx.Response:
        """Send ``http_request`` until the CRM answers a status in ``accept``; return that response.

        ``429``, ``5xx``, timeouts and dropped connections are retried (``max_retries`` times, with
        :meth:`_wait_before_retry` between attempts), then :class:`CrmApiRetriesExhausted`; any
        other status goes to ``refuse(request, response, failure)``, which raises; a request that
        cannot be sent at all raises :class:`CrmApiError` at once. ``request`` describes the call
        in messages (never the token); ``subject`` names what is asked for ("stream 'contacts'",
        "task"), ``stream`` goes on the errors. Retrying is only safe for idempotent requests: a GET,
        or a POST carrying an idempotency key.
        """
        attempts = 0
        while True:
            attempts += 1
            retry_after: float | None = None
            try:
                response = self._http.send(http_request)
            except _PERMANENT_TRANSPORT_ERRORS as exc:
                raise CrmApiError(f"CRM API request for {subject} cannot be sent: {request}: {_describe(exc)}",
                                  stream, request) from exc
            except httpx.TransportError as exc:
                failure, status = _describe(exc), None
            except httpx.RequestError as exc:
                raise CrmApiError(f"CRM API request for {subject} failed: {request}: {_describe(exc)}",
                                  stream, request) from exc
            else:
                status = response.status_code
                if status in accept:
                    return response
                failure = f"HTTP {status} {response.reason_phrase}".rstrip()
                if status != 429 and status < 500:
                    refuse(request, response, failure)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempts > self._max_retries:
                raise CrmApiRetriesExhausted(
                    f"CRM API gave up on {subject} after {attempts} attempts "
                    f"({self._max_retries} retries): {request}; last error: {failure}",
                    stream,
                    request,
                    status,
                )
            wait = self._wait_before_retry(attempts, retry_after)
            logger.warning(
                "CRM API %s failed (%s); retry %d of %d in %.2f s",
                request, failure, attempts, self._max_retries, wait,
            )
            self._sleep(wait)

    def _get(self, stream: Stream, params: dict[str, str]) -> tuple[str, bytes]:
        """GET one page; return the request description and the body of the 200 response."""
        http_request = self._http.build_request(
            "GET", f"{API_VERSION_PATH}/{stream.name}", params=params, timeout=self._timeout
        )
        request = f"GET {unquote(http_request.url.raw_path.decode('ascii'))}"
        response = self.send_with_retries(
            http_request,
            request=request,
            subject=f"stream {stream.name!r}",
            stream=stream.name,
            accept=(200,),
            refuse=lambda request, response, failure: self._fail_at_once(stream, request, response, failure),
        )
        return request, response.content

    def _wait_before_retry(self, retry_number: int, retry_after: float | None) -> float:
        """The server's ``Retry-After`` if given, else exponential backoff plus jitter; capped."""
        if retry_after is not None:
            return min(retry_after, self._max_wait_seconds)
        base = self._backoff_seconds * 2 ** min(retry_number - 1, _MAX_BACKOFF_EXPONENT)
        jitter = base * self._jitter_ratio * self._rng.random()
        return min(base + jitter, self._max_wait_seconds)

    def _fail_at_once(self, stream: Stream, request: str, response: httpx.Response, failure: str) -> NoReturn:
        status = response.status_code
        if status == 401:
            raise CrmApiAuthError(
                f"CRM API refused the token ({failure}) for stream {stream.name!r}: {request}; "
                "check crm_api_token (LEAD_SLA_CRM_API_TOKEN)",
                stream.name,
                request,
                status,
            )
        if status == 403:
            raise CrmApiAuthError(
                f"CRM API token is not allowed to read stream {stream.name!r} ({failure}): {request}",
                stream.name,
                request,
                status,
            )
        snippet = self._redact(response.text[:_BODY_SNIPPET_CHARS]).strip()
        raise CrmApiError(
            f"CRM API rejected the request for stream {stream.name!r} with {failure}: {request}"
            + (f"; response: {snippet}" if snippet else ""),
            stream.name,
            request,
            status,
        )

    def _redact(self, text: str) -> str:
        # A misbehaving server might echo the Authorization header back in an error body.
        return text.replace(self._token.get_secret_value(), "**********")


def _describe(exc: Exception) -> str:
    detail = str(exc).strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _read_page(body: bytes, stream: Stream, request: str) -> tuple[list[dict[str, object]], str | None]:
    """Validate the shape of a 200 body and return its records and next cursor."""

    def malformed(reason: str) -> CrmApiError:
        return CrmApiError(
            f"CRM API sent a malformed page for stream {stream.name!r} ({reason}): {request}",
            stream.name,
            request,
            200,
        )

    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise malformed(f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise malformed("body is not a JSON object")
    results = payload.get("results")
    if not isinstance(results, list):
        raise malformed("'results' is missing or not a list")
    for position, record in enumerate(results, start=1):
        if not isinstance(record, dict):
            raise malformed(f"result {position} is not a JSON object")
    next_cursor = payload.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str):
        raise malformed("'next_cursor' is neither a string nor null")
    return results, next_cursor or None
