"""The raw contract: what every warehouse's raw tables hold, whatever a source exports."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.mapping import SourceMapping, StreamLoad
from lead_sla.warehouse import connect

USERS_HEADER = "owner_id,name,email,team,timezone,country,work_start,work_end,active,updated_at"
USER_ROW = "u1,Ann Lee,ann@example.com,sdr,Europe/London,GB,09:00,17:00,true,2026-08-03 09:00:00"


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def _land_users(conn: duckdb.DuckDBPyConnection, landing: Path, content: str) -> None:
    path = landing / "users" / "2026-08-03" / "part-00000.csv"
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    mapping = SourceMapping(
        name="test", timezones={"crm": "UTC", "marketing": "UTC"},
        loads=[StreamLoad(stream="users", files="users/*/*.csv")],
    )
    extract_stream_files(conn, landing, mapping, "users")


def test_users_subdivision_and_manager_land_as_contract_columns(conn, tmp_path):
    _land_users(conn, tmp_path / "landing",
                USERS_HEADER.replace(",country,", ",country,subdivision,").replace(",active,", ",active,manager_id,")
                + "\n" + USER_ROW.replace(",GB,", ",GB,GB-ENG,").replace(",true,", ",true,u9,") + "\n")
    assert conn.execute("select owner_id, subdivision, manager_id from raw.users").fetchall() == [("u1", "GB-ENG", "u9")]


def test_a_crm_without_subdivision_or_manager_still_gives_both_columns(conn, tmp_path):
    """Both are optional: a CRM that exports neither lands its users, and staging can still read them."""
    _land_users(conn, tmp_path / "landing", USERS_HEADER + "\n" + USER_ROW + "\n")
    assert conn.execute("select owner_id, subdivision, manager_id from raw.users").fetchall() == [("u1", None, None)]


def test_an_old_warehouses_raw_table_gets_the_contracts_new_columns(tmp_path):
    """A raw.users created before subdivision and manager_id joined the contract gains both (old rows
    null), so staging, which reads every contract column, builds on it."""
    old = connect(tmp_path / "old.duckdb")
    try:
        old.execute("create schema raw")
        old.execute(f"create table raw.users ({', '.join(f'{c} varchar' for c in USERS_HEADER.split(','))})")
        old.execute("insert into raw.users (owner_id) values ('u1')")
        ensure_raw_schema(old)
        columns = [r[0] for r in old.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'users'"
        ).fetchall()]
        assert {"subdivision", "manager_id"} <= set(columns)
        assert old.execute("select owner_id, subdivision, manager_id from raw.users").fetchall() == [("u1", None, None)]
    finally:
        old.close()
