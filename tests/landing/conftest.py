"""Fixtures of the landing tests: an empty landing folder and a warehouse with the raw schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.warehouse import connect


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()
