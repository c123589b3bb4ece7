"""Fixtures of the scoring tests: an in-memory synthetic warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from tests.scoring.builders import Warehouse


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def wh(conn: duckdb.DuckDBPyConnection) -> Warehouse:
    return Warehouse(conn)
