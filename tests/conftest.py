"""Shared fixtures: one Prefect test harness per session, and settings on temporary paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lead_sla.settings import Settings, find_project_root

PROJECT_ROOT = find_project_root(Path(__file__).parent)
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API (SQLite) for the whole session: it takes 10 s or more to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose warehouse, landing and published folders live under ``tmp_path``."""
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=tmp_path / "warehouse" / "lead_sla.duckdb",
        landing_dir=tmp_path / "landing",
        published_dir=tmp_path / "warehouse" / "published",
    )
