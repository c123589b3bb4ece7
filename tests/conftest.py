"""Shared fixtures: one Prefect test harness per session, and settings on temporary paths."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import prefect  # noqa: F401 - Prefect sets up its log handlers on import: on the real stderr, before a CliRunner swaps it
import pytest

from lead_sla.settings import Settings
from tests.support.project import PROJECT_ROOT
from tests.support.published import PublishedDemo


# Tests that run the pipeline (a Prefect flow, the published demo) are `slow`: `make test` runs them,
# `make test-fast` leaves them out. Tests that run dbt mark themselves.
PIPELINE_FIXTURES = {"prefect_harness", "published", "published_history"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # Files with slow tests first (each file kept whole, in its order): `--dist loadfile` hands them
    # out while the quick files are still queued to fill the gaps, instead of ending on a long file.
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API (SQLite) for the whole session: it takes 10 s or more to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose warehouse, landing and published folders live under ``tmp_path``.

    The dbt docs are not published: that is checked on the published demo and in tests/flows/test_time.py.
    """
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=tmp_path / "warehouse" / "lead_sla.duckdb",
        landing_dir=tmp_path / "landing",
        published_dir=tmp_path / "warehouse" / "published",
        publish_docs=False,
    )


DEMO_DAY = date(2026, 10, 31)
DEMO_LEADS = 400
DEMO_DAYS = 30
DEMO_SEED = 17


def _publish_demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, *, leads: int, days: int,
                  **settings_overrides: object) -> PublishedDemo:
    """Generate a demo company, run the demo day's nightly flow and publish it, once per test run.

    Under pytest-xdist the first worker that asks builds it in the run's shared temporary folder
    while the others wait on a file lock; tests only read it (copies where they change anything).
    """
    from filelock import FileLock

    from lead_sla.flows.nightly import nightly
    from lead_sla.demo import generate

    if worker_id == "master":
        root = tmp_path_factory.mktemp(name)
    else:
        root = tmp_path_factory.getbasetemp().parent / name
        root.mkdir(exist_ok=True)
    settings = Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=root / "warehouse" / "lead_sla.duckdb",
        landing_dir=root / "landing",
        published_dir=root / "warehouse" / "published",
        **settings_overrides,
    )
    done = root / "published.ok"
    with FileLock(str(root.parent / f"{name}.lock")):
        if not done.exists():
            generate(settings.landing, leads=leads, days=days, seed=DEMO_SEED, end_date=DEMO_DAY)
            result = nightly(run_date=DEMO_DAY, settings=settings)
            assert result.published, f"the demo day was not published: {result}"
            done.touch()
    return PublishedDemo(settings, DEMO_DAY)


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, worker_id: str, prefect_harness: None) -> PublishedDemo:
    """A demo company (400 leads over 30 days) run through the nightly flow and published, once per run."""
    return _publish_demo(tmp_path_factory, worker_id, "published-demo", leads=DEMO_LEADS, days=DEMO_DAYS)


PARTIAL_LEFT_OUT = ("activities", "web_sessions")


@pytest.fixture(scope="session")
def published_partial(tmp_path_factory: pytest.TempPathFactory, worker_id: str, prefect_harness: None) -> PublishedDemo:
    """The demo company (400 leads over 30 days) through a mapping that leaves out its activities and
    web sessions exports, as a company without a CRM activity log or web analytics would have it.
    Published once per run, without the dbt docs."""
    demo = (PROJECT_ROOT / "config" / "sources" / "demo.yml").read_text(encoding="utf-8")
    kept = [line for line in demo.splitlines() if not any(f"stream: {s}," in line for s in PARTIAL_LEFT_OUT)]
    assert len(kept) == len(demo.splitlines()) - len(PARTIAL_LEFT_OUT), "the demo mapping's loads changed"
    mapping = tmp_path_factory.mktemp("partial-mapping") / "demo-partial.yml"
    mapping.write_text("\n".join(kept).replace("name: demo", "name: demo-partial", 1) + "\n", encoding="utf-8")
    return _publish_demo(tmp_path_factory, worker_id, "published-partial", leads=DEMO_LEADS, days=DEMO_DAYS,
                         publish_docs=False, source_mapping=mapping)


HISTORY_LEADS = 500
HISTORY_DAYS = 100


@pytest.fixture(scope="session")
def published_history(tmp_path_factory: pytest.TempPathFactory, worker_id: str, prefect_harness: None) -> PublishedDemo:
    """A demo company with history (500 leads over 100 days, to the same day), published once per run.

    The 30-day demo's handoffs are all in the demo day's month, whose outcome window is still open, so
    its follow-up evidence is empty; here July's and August's cohorts have closed (60-day window).
    Only the tests that need closed cohorts use it (the dbt docs are not published).
    """
    return _publish_demo(tmp_path_factory, worker_id, "published-history", leads=HISTORY_LEADS, days=HISTORY_DAYS,
                         publish_docs=False)
