"""The CRM HTTP connector against a real CRM API server on loopback, with injected faults."""

from __future__ import annotations

import logging
import pickle
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from lead_sla.settings import Settings
from lead_sla.sources.http_api import (
    ApiPage,
    CrmApiAuthError,
    CrmApiClient,
    CrmApiError,
    CrmApiRetriesExhausted,
    parse_instant,
    parse_retry_after,
    to_utc_iso,
)
from lead_sla.sources.streams import get_stream
from tests.support.crm_api_server import ANY, CrmApiServer, build_crm_dataset

TOKEN = "crm-tok-7Hq2xZ9-s3cret-value"
WRONG_TOKEN = "crm-tok-expired-0000"
BACKOFF = 0.01


@pytest.fixture(scope="module")
def dataset() -> dict[str, list[dict[str, object]]]:
    return build_crm_dataset()


@pytest.fixture
def server(dataset: dict[str, list[dict[str, object]]]) -> Iterator[CrmApiServer]:
    with CrmApiServer(dataset, TOKEN) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the client asked for; the injected sleep records instead of sleeping."""
    return []


@pytest.fixture
def make_client(server: CrmApiServer, sleeps: list[float]) -> Iterator[Callable[..., CrmApiClient]]:
    clients: list[CrmApiClient] = []

    def make(token: str = TOKEN, **overrides: object) -> CrmApiClient:
        options: dict[str, object] = {
            "timeout": 0.5, "max_retries": 3, "backoff_seconds": BACKOFF, "page_size": 50,
            "jitter_ratio": 0.0, "sleep": sleeps.append,
        }
        options.update(overrides)
        client = CrmApiClient(server.base_url, SecretStr(token), **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def read_all(client: CrmApiClient, stream: str, updated_after: str | None = None) -> list[ApiPage]:
    return list(client.iter_pages(get_stream(stream), updated_after))


def keys_of(pages: list[ApiPage], stream: str) -> list[object]:
    key = get_stream(stream).key
    return [record[key] for page in pages for record in page.records]


def expected_keys(dataset: dict[str, list[dict[str, object]]], stream: str, after: str | None = None) -> set[object]:
    contract = get_stream(stream)
    threshold = parse_instant(after) if after is not None else None
    return {
        row[contract.key]
        for row in dataset[stream]
        if threshold is None or parse_instant(row[contract.cursor]) > threshold  # type: ignore[operator]
    }


# --- pagination and incremental reads ------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "page_size"),
    [
        pytest.param("contacts", 7, id="contacts-page-7"),
        pytest.param("activities", 25, id="activities-page-equals-tie-size"),
        pytest.param("deals", 3, id="deals-page-3"),
        pytest.param("users", 5, id="users-all-share-one-updated_at"),
    ],
)
def test_full_pagination_returns_exactly_the_servers_rows(
    dataset: dict[str, list[dict[str, object]]],
    server: CrmApiServer,
    make_client: Callable[..., CrmApiClient],
    stream: str,
    page_size: int,
) -> None:
    with make_client(page_size=page_size) as client:
        pages = read_all(client, stream)

    keys = keys_of(pages, stream)
    assert len(dataset[stream]) > page_size
    assert len(keys) == len(dataset[stream])
    assert set(keys) == expected_keys(dataset, stream)
    assert [page.page_number for page in pages] == list(range(1, len(pages) + 1))
    assert all(len(page.records) <= page_size for page in pages)
    assert len(pages) == -(-len(dataset[stream]) // page_size)
    assert pages[0].request == f"GET /v1/{stream}?limit={page_size}"
    assert all(page.request.startswith(f"GET /v1/{stream}?cursor=") for page in pages[1:])
    assert len(server.requests) == len(pages)


def test_records_carry_the_contract_columns(
    dataset: dict[str, list[dict[str, object]]], make_client: Callable[..., CrmApiClient]
) -> None:
    with make_client() as client:
        pages = read_all(client, "deals")
    columns = get_stream("deals").column_names
    assert all(tuple(record) == columns for page in pages for record in page.records)
    assert sorted((r for p in pages for r in p.records), key=lambda r: str(r["deal_id"])) == dataset["deals"]


def test_max_cursor_value_is_the_latest_cursor_of_each_page(
    dataset: dict[str, list[dict[str, object]]], make_client: Callable[..., CrmApiClient]
) -> None:
    with make_client(page_size=30) as client:
        pages = read_all(client, "contacts")
    for page in pages:
        assert page.max_cursor_value == max((str(r["updated_at"]) for r in page.records), key=parse_instant)
    assert pages[-1].max_cursor_value == max(str(r["updated_at"]) for r in dataset["contacts"])


@pytest.mark.parametrize(
    "updated_after",
    [
        pytest.param("2024-03-04T08:20:00Z", id="iso-z"),
        pytest.param("2024-03-04 08:20:00", id="raw-layer-naive-utc"),
        pytest.param("2024-03-04T10:20:00+02:00", id="with-offset"),
        pytest.param("2024-03-04T08:19:59.999999Z", id="just-before-a-shared-value"),
    ],
)
def test_updated_after_returns_only_strictly_newer_rows(
    dataset: dict[str, list[dict[str, object]]],
    server: CrmApiServer,
    make_client: Callable[..., CrmApiClient],
    updated_after: str,
) -> None:
    shared = Counter(str(r["updated_at"]) for r in dataset["contacts"])["2024-03-04T08:20:00Z"]
    assert shared > 1, "the threshold must be a value many records share"

    with make_client(page_size=9) as client:
        pages = read_all(client, "contacts", updated_after)

    keys = keys_of(pages, "contacts")
    wanted = expected_keys(dataset, "contacts", updated_after)
    assert 0 < len(wanted) < len(dataset["contacts"])
    assert len(keys) == len(wanted)
    assert set(keys) == wanted
    assert all(r.query.get("updated_after") == to_utc_iso(updated_after) for r in server.requests)
    assert all(f"updated_after={to_utc_iso(updated_after)}" in page.request for page in pages)


def test_nothing_newer_yields_one_empty_page(make_client: Callable[..., CrmApiClient]) -> None:
    with make_client() as client:
        pages = read_all(client, "deals", "2030-01-01T00:00:00Z")
    assert [(p.page_number, p.records, p.max_cursor_value) for p in pages] == [(1, [], None)]


def test_pagination_is_stable_while_records_change(
    dataset: dict[str, list[dict[str, object]]], server: CrmApiServer, make_client: Callable[..., CrmApiClient]
) -> None:
    later = "2024-03-05T00:00:00Z"
    with make_client(page_size=20) as client:
        pages = client.iter_pages(get_stream("contacts"), None)
        first = next(pages)
        already_read = dict(first.records[0], updated_at=later, lead_status="qualified")
        not_yet_read = next(dict(r, updated_at=later) for r in dataset["contacts"]
                            if r["contact_id"] not in {x["contact_id"] for x in first.records})
        server.upsert("contacts", [already_read, not_yet_read])
        rest = list(pages)

    seen = Counter(keys_of([first, *rest], "contacts"))
    assert set(seen) == expected_keys(dataset, "contacts")
    assert seen[already_read["contact_id"]] == 2  # the old version, then the changed one
    assert seen[not_yet_read["contact_id"]] == 1  # read once, in its new place
    assert rest[-1].max_cursor_value == later


# --- retries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "expected_sleeps"),
    [
        pytest.param(["429"], [1.0], id="429-honours-retry-after"),
        pytest.param(["500"], [BACKOFF], id="500"),
        pytest.param(["503"], [BACKOFF], id="503"),
        pytest.param(["timeout"], [BACKOFF], id="timeout"),
        pytest.param(["drop"], [BACKOFF], id="dropped-connection"),
        pytest.param(["429", "500", "timeout", "drop"], [1.0, 2 * BACKOFF, 4 * BACKOFF, 8 * BACKOFF],
                     id="all-in-a-row-backs-off-exponentially"),
    ],
)
def test_survives_transient_faults_mid_pagination(
    dataset: dict[str, list[dict[str, object]]],
    server: CrmApiServer,
    make_client: Callable[..., CrmApiClient],
    sleeps: list[float],
    faults: list[str],
    expected_sleeps: list[float],
) -> None:
    server.inject("contacts", ["ok", *faults])  # the first page succeeds, the second meets the faults

    with make_client(max_retries=len(faults)) as client:
        pages = read_all(client, "contacts")

    keys = keys_of(pages, "contacts")
    assert len(keys) == len(dataset["contacts"])
    assert set(keys) == expected_keys(dataset, "contacts")
    assert sleeps == pytest.approx(expected_sleeps)
    assert server.pending_faults() == {}
    second_page = server.requests[1 : 2 + len(faults)]
    assert [r.fault for r in second_page] == [*faults, None]
    assert len({tuple(sorted(r.query.items())) for r in second_page}) == 1, "a retry re-sends the same request"
    assert len(server.requests) == len(pages) + len(faults)


def test_honours_retry_after_as_http_date(server: CrmApiServer, make_client: Callable[..., CrmApiClient],
                                          sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    server.inject(ANY, [f"429:{when}"])
    with make_client() as client:
        read_all(client, "deals")
    assert len(sleeps) == 1
    assert 1.0 < sleeps[0] <= 3.0


def test_retry_after_is_capped_by_the_maximum_wait(server: CrmApiServer, make_client: Callable[..., CrmApiClient],
                                                   sleeps: list[float]) -> None:
    server.inject("deals", ["429:120", "503:3600"])
    with make_client(max_wait_seconds=2.0) as client:
        read_all(client, "deals")
    assert sleeps == [2.0, 2.0]


def test_backoff_jitter_is_small_seeded_and_capped(server: CrmApiServer, make_client: Callable[..., CrmApiClient],
                                                   sleeps: list[float]) -> None:
    faults = ["500"] * 5
    server.inject("deals", faults)
    with make_client(max_retries=5, backoff_seconds=0.5, jitter_ratio=0.1, jitter_seed=7, max_wait_seconds=5.0) as c:
        read_all(c, "deals")
    first_run = list(sleeps)
    sleeps.clear()
    server.inject("deals", faults)
    with make_client(max_retries=5, backoff_seconds=0.5, jitter_ratio=0.1, jitter_seed=7, max_wait_seconds=5.0) as c:
        read_all(c, "deals")

    assert sleeps == first_run, "the same seed gives the same waits"
    for wait, base in zip(first_run, [0.5, 1.0, 2.0, 4.0, 8.0]):
        assert min(base, 5.0) <= wait <= min(base * 1.1, 5.0)
    assert first_run[-1] == 5.0
    assert len(set(first_run[:3])) == 3 and any(w != b for w, b in zip(first_run, [0.5, 1.0, 2.0]))


@pytest.mark.parametrize(
    ("fault", "last_error"),
    [
        pytest.param("500", "last error: HTTP 500 Internal Server Error", id="500"),
        pytest.param("429", "last error: HTTP 429 Too Many Requests", id="429"),
        pytest.param("timeout", "last error: ReadTimeout", id="timeout"),
        pytest.param("drop", "last error: RemoteProtocolError", id="dropped-connection"),
    ],
)
def test_gives_up_after_max_retries_with_a_clear_message(
    server: CrmApiServer, make_client: Callable[..., CrmApiClient], sleeps: list[float], fault: str, last_error: str
) -> None:
    server.inject("contacts", [fault] * 3)
    with make_client(max_retries=2) as client, pytest.raises(CrmApiRetriesExhausted) as caught:
        read_all(client, "contacts", "2024-03-04T08:00:00Z")

    message = str(caught.value)
    assert "stream 'contacts'" in message
    assert "after 3 attempts (2 retries)" in message
    assert "GET /v1/contacts?updated_after=2024-03-04T08:00:00Z&limit=50" in message
    assert last_error in message
    assert caught.value.stream == "contacts"
    assert caught.value.request == "GET /v1/contacts?updated_after=2024-03-04T08:00:00Z&limit=50"
    assert len(server.requests) == 3
    assert len(sleeps) == 2


def test_refused_token_fails_at_once_and_says_so(server: CrmApiServer, make_client: Callable[..., CrmApiClient],
                                                 sleeps: list[float]) -> None:
    with make_client(token=WRONG_TOKEN) as client, pytest.raises(CrmApiAuthError) as caught:
        read_all(client, "contacts")

    assert "refused the token" in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    assert "stream 'contacts'" in str(caught.value)
    assert caught.value.status == 401
    assert [r.authorized for r in server.requests] == [False]
    assert sleeps == []


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        pytest.param("403", CrmApiAuthError, "not allowed to read stream 'deals' (HTTP 403 Forbidden)", id="403"),
        pytest.param("404", CrmApiError, "rejected the request for stream 'deals' with HTTP 404 Not Found", id="404"),
        pytest.param("400", CrmApiError, "with HTTP 400 Bad Request", id="400"),
        pytest.param("malformed", CrmApiError, "malformed page for stream 'deals' (body is not JSON", id="not-json"),
    ],
)
def test_other_client_errors_fail_at_once(
    server: CrmApiServer, make_client: Callable[..., CrmApiClient], sleeps: list[float],
    fault: str, error: type[CrmApiError], text: str,
) -> None:
    server.inject("deals", [fault])
    with make_client() as client, pytest.raises(error) as caught:
        read_all(client, "deals")
    assert text in str(caught.value)
    assert "GET /v1/deals?limit=50" in str(caught.value)
    assert len(server.requests) == 1
    assert sleeps == []


def test_connection_refused_is_retried_then_reported(sleeps: list[float]) -> None:
    with CrmApiServer({"deals": []}, TOKEN) as gone:
        base_url = gone.base_url  # the port is free again once the server stops
    with CrmApiClient(base_url, SecretStr(TOKEN), timeout=0.5, max_retries=2, backoff_seconds=BACKOFF,
                      jitter_ratio=0.0, sleep=sleeps.append) as client, pytest.raises(CrmApiRetriesExhausted) as caught:
        read_all(client, "deals")
    assert "last error: ConnectError" in str(caught.value)
    assert sleeps == pytest.approx([BACKOFF, 2 * BACKOFF])


# --- the token stays secret ---------------------------------------------------------------------------


def test_token_never_appears_in_logs_errors_requests_or_repr(
    server: CrmApiServer, make_client: Callable[..., CrmApiClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    server.inject("contacts", ["ok", "429", "500", "timeout", "drop"])
    errors: list[BaseException] = []

    client = make_client(max_retries=4)
    pages = read_all(client, "contacts")
    server.inject("deals", ["500"] * 2 + ["400"])
    for faults_client in (make_client(max_retries=1), make_client(max_retries=5)):
        with pytest.raises(CrmApiError) as caught:
            read_all(faults_client, "deals")
        errors.append(caught.value)
    wrong = make_client(token=WRONG_TOKEN)
    with pytest.raises(CrmApiAuthError) as refused:
        read_all(wrong, "users")
    errors.append(refused.value)

    assert any("retry 1 of 4" in r.getMessage() for r in caplog.records), "the retries were logged"
    for secret in (TOKEN, WRONG_TOKEN):
        assert secret not in caplog.text
        for log_record in caplog.records:
            assert secret not in log_record.getMessage()
            assert secret not in repr(log_record.args)
        for error in errors:
            assert secret not in "".join(traceback.format_exception(error))  # with chained causes
            assert secret not in repr(error)
            assert secret not in repr(pickle.loads(pickle.dumps(error)).args)
        for page in pages:
            assert secret not in page.request
            assert secret not in repr(page)
        for shown in (repr(client), str(client), repr(wrong), str(wrong)):
            assert secret not in shown
    assert "Bearer" not in caplog.text


def test_every_request_sent_the_bearer_header(
    server: CrmApiServer, make_client: Callable[..., CrmApiClient]
) -> None:
    server.inject(ANY, ["ok", "500", "drop", "timeout", "ok", "429"])
    with make_client(page_size=20, max_retries=3) as client:
        for stream in ("contacts", "users", "deals"):
            read_all(client, stream)
    assert len(server.requests) > 20
    assert all(r.authorized for r in server.requests)


# --- construction and small helpers -----------------------------------------------------------------


def test_from_settings_uses_the_http_settings(
    tmp_path: Path, dataset: dict[str, list[dict[str, object]]], server: CrmApiServer, sleeps: list[float]
) -> None:
    settings = Settings(
        project_root=tmp_path, crm_api_url=server.base_url, crm_api_token=SecretStr(TOKEN),
        http_timeout_seconds=0.5, http_max_retries=1, http_backoff_seconds=0.02, http_page_size=11,
    )
    server.inject("users", ["502"])
    with CrmApiClient.from_settings(settings, sleep=sleeps.append) as client:
        pages = read_all(client, "users")
    assert set(keys_of(pages, "users")) == expected_keys(dataset, "users")
    assert pages[0].request == "GET /v1/users?limit=11"
    assert sleeps and 0.02 <= sleeps[0] <= 0.022
    assert TOKEN not in repr(client)


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        pytest.param({"crm_api_url": None}, "crm_api_url", id="no-url"),
        pytest.param({"crm_api_token": None}, "crm_api_token", id="no-token"),
    ],
)
def test_from_settings_requires_url_and_token(tmp_path: Path, overrides: dict[str, object], missing: str) -> None:
    values: dict[str, object] = {"crm_api_url": "http://127.0.0.1:9", "crm_api_token": SecretStr(TOKEN)}
    values.update(overrides)
    settings = Settings(project_root=tmp_path, **values)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=missing):
        CrmApiClient.from_settings(settings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"base_url": "ftp://crm.example"}, "http", id="not-http"),
        pytest.param({"token": SecretStr("")}, "empty", id="empty-token"),
        pytest.param({"page_size": 0}, "page_size", id="page-size"),
        pytest.param({"timeout": 0}, "timeout", id="timeout"),
        pytest.param({"max_retries": -1}, "max_retries", id="retries"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"base_url": "http://127.0.0.1:9", "token": SecretStr(TOKEN)}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        CrmApiClient(**arguments)  # type: ignore[arg-type]


def test_rejects_streams_of_other_systems_and_unreadable_instants(make_client: Callable[..., CrmApiClient]) -> None:
    with make_client() as client:
        with pytest.raises(ValueError, match="marketing"):
            next(client.iter_pages(get_stream("campaigns"), None))
        with pytest.raises(ValueError, match="ISO-8601"):
            next(client.iter_pages(get_stream("contacts"), "yesterday"))


NOW = datetime(2024, 3, 4, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("1", 1.0, id="seconds"),
        pytest.param(" 120 ", 120.0, id="seconds-padded"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("1.5", 1.5, id="fractional"),
        pytest.param("-4", 0.0, id="negative"),
        pytest.param("Mon, 04 Mar 2024 12:00:30 GMT", 30.0, id="http-date"),
        pytest.param("Mon, 04 Mar 2024 11:59:00 GMT", 0.0, id="http-date-past"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        pytest.param("2024-03-04T09:00:00Z", "2024-03-04T09:00:00Z", id="z"),
        pytest.param("2024-03-04 09:00:00", "2024-03-04T09:00:00Z", id="naive-is-utc"),
        pytest.param("2024-03-04T04:00:00-05:00", "2024-03-04T09:00:00Z", id="offset"),
        pytest.param("2024-03-04T09:00:00.250000+00:00", "2024-03-04T09:00:00.250000Z", id="micro"),
    ],
)
def test_to_utc_iso(value: str, normalised: str) -> None:
    assert to_utc_iso(value) == normalised


def test_errors_survive_pickling() -> None:
    error = CrmApiRetriesExhausted("gave up", "contacts", "GET /v1/contacts?limit=5", 503)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.stream, copy.request, copy.status) == (
        CrmApiRetriesExhausted, "gave up", "contacts", "GET /v1/contacts?limit=5", 503,
    )


def test_dataset_follows_the_contract_with_shared_cursor_values(
    dataset: dict[str, list[dict[str, object]]],
) -> None:
    for name, records in dataset.items():
        contract = get_stream(name)
        assert all(tuple(r) == contract.column_names for r in records), name
        assert len({r[contract.key] for r in records}) == len(records), name
        assert all(r[c] is not None for r in records for c in contract.required_columns), name
        ties = Counter(r[contract.cursor] for r in records).most_common(1)[0][1]
        assert ties >= 10, f"{name}: many records must share one cursor value"
        cursors = [parse_instant(r[contract.cursor]) for r in records]
        if len(set(cursors)) > 1:
            assert cursors != sorted(cursors), f"{name}: storage order is not cursor order"  # type: ignore[type-var]
    users = {r["owner_id"] for r in dataset["users"]}
    contacts = {r["contact_id"] for r in dataset["contacts"]}
    assert {r["owner_id"] for r in dataset["activities"]} <= users
    assert {r["contact_id"] for r in dataset["activities"]} <= contacts
    assert {r["contact_id"] for r in dataset["deals"]} <= contacts
