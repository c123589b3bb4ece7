"""Extraction from the CRM's HTTP API into raw, against a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pydantic import SecretStr

from lead_sla.landing.extract import extract_stream_api
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.http_api import CrmApiClient
from lead_sla.warehouse import connect
from tests.support.crm_api_server import CrmApiServer, build_crm_dataset

TOKEN = "test-token-do-not-log"
SOURCE = "api:test"


@pytest.fixture
def server() -> Iterator[CrmApiServer]:
    with CrmApiServer(build_crm_dataset(contacts=240), TOKEN) as running:
        yield running


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def client_for(server: CrmApiServer) -> CrmApiClient:
    return CrmApiClient(
        server.base_url, SecretStr(TOKEN), timeout=0.5, max_retries=4, backoff_seconds=0.01,
        page_size=50, sleep=lambda seconds: None,
    )


def landed_keys(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in conn.execute("select contact_id from raw.contacts order by 1").fetchall()]


def server_keys(server: CrmApiServer) -> list[str]:
    return sorted(str(r["contact_id"]) for r in server.records("contacts"))


def test_faults_on_the_way_end_with_exactly_the_servers_rows(conn, server):
    server.inject("contacts", ["ok", "429", "500", "ok", "timeout", "ok", "drop"])
    with client_for(server) as client:
        report = extract_stream_api(conn, client, "contacts", source_name=SOURCE)
    assert landed_keys(conn) == server_keys(server)
    assert report.rows_loaded == len(server_keys(server))
    assert server.pending_faults() == {}


def test_a_crash_between_a_page_and_its_cursor_loses_and_duplicates_nothing(conn, server):
    pages = {"n": 0}

    def crash_on_third_page() -> None:
        pages["n"] += 1
        if pages["n"] == 3:
            raise RuntimeError("killed before the page's commit")

    with client_for(server) as client, pytest.raises(RuntimeError, match="killed"):
        extract_stream_api(conn, client, "contacts", source_name=SOURCE, before_commit=crash_on_third_page)
    assert len(landed_keys(conn)) == 100  # two pages of 50 committed, the third rolled back

    with client_for(server) as client:
        extract_stream_api(conn, client, "contacts", source_name=SOURCE)
    assert landed_keys(conn) == server_keys(server)


def test_the_next_run_lands_only_what_changed(conn, server):
    with client_for(server) as client:
        extract_stream_api(conn, client, "contacts", source_name=SOURCE)
    before = conn.execute("select count(*) from raw.contacts").fetchone()[0]

    changed = dict(server.records("contacts")[0])
    changed["lifecycle_stage"] = "mql"
    changed["updated_at"] = "2030-01-01T00:00:00Z"
    new = dict(changed, contact_id="C-NEW", email="new@example.com")
    server.upsert("contacts", [changed, new])
    with client_for(server) as client:
        report = extract_stream_api(conn, client, "contacts", source_name=SOURCE)

    assert report.rows_loaded == 2
    assert conn.execute("select count(*) from raw.contacts").fetchone()[0] == before + 2
    # The changed record now has two versions: nothing is overwritten in raw.
    versions = conn.execute(
        "select count(*) from raw.contacts where contact_id = ?", [changed["contact_id"]]
    ).fetchone()[0]
    assert versions == 2

    with client_for(server) as client:
        rerun = extract_stream_api(conn, client, "contacts", source_name=SOURCE)
    assert rerun.rows_loaded == 0


class OnePage:
    """A page source with one fixed page: enough to see what a quarantined API record keeps."""

    def __init__(self, records: list[dict[str, object]]) -> None:
        self.records = records
        self.request = "GET /contacts?page=1"

    def iter_pages(self, stream, updated_after):  # noqa: ANN001, ANN201 - the PageSource protocol
        yield self


def test_a_quarantined_api_record_keeps_the_record_as_received(conn):
    record = {"contact_id": "c1", "email": "not-an-email", "updated_at": "2026-03-02T10:00:00Z", "score": 7}
    report = extract_stream_api(conn, OnePage([record]), "contacts", source_name=SOURCE)
    assert report.rows_quarantined == 1
    assert conn.execute("select source, source_line, raw_text from quarantine.rows").fetchall() == [
        ("GET /contacts?page=1", 1,
         '{"contact_id":"c1","email":"not-an-email","updated_at":"2026-03-02T10:00:00Z","score":7}')
    ]
