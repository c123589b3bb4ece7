"""Fixtures of the report tests: a small demo warehouse published once per session, the report
built from it, and a headless Chromium (installed by tests/support/install_browser.sh if missing)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lead_sla.publish.publisher import DATABASE_NAME
from lead_sla.report import build_report
from lead_sla.settings import Settings
from tests.conftest import PROJECT_ROOT
from tests.support.browser import BrowserPaths, BrowserUnavailable, ensure_browser

DEMO_DAY = date(2026, 10, 31)
DEMO_LEADS = 400
DEMO_DAYS = 30
DEMO_SEED = 17


@dataclass(frozen=True)
class PublishedDemo:
    settings: Settings
    run_date: date

    @property
    def database(self) -> Path:
        assert self.settings.published_dir is not None
        return self.settings.published_dir / DATABASE_NAME

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of ``sql`` on the published copy (read-only): the independent side of comparisons."""
        conn = duckdb.connect(str(self.database), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> PublishedDemo:
    """A demo company (400 leads over 30 days) run through the nightly flow and published."""
    from lead_sla.flows.nightly import nightly
    from lead_sla.sources.demo import generate

    root = tmp_path_factory.mktemp("report-demo")
    settings = Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=root / "warehouse" / "lead_sla.duckdb",
        landing_dir=root / "landing",
        published_dir=root / "warehouse" / "published",
    )
    generate(settings.landing, leads=DEMO_LEADS, days=DEMO_DAYS, seed=DEMO_SEED, end_date=DEMO_DAY)
    result = nightly(run_date=DEMO_DAY, settings=settings)
    assert result.published, f"the demo day was not published: {result}"
    return PublishedDemo(settings, DEMO_DAY)


@pytest.fixture(scope="session")
def report(published: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo day's report, built once."""
    return build_report(published.database, published.run_date, tmp_path_factory.mktemp("reports"),
                        reporting_timezone=published.settings.reporting_timezone)


@pytest.fixture(scope="session")
def browser() -> BrowserPaths:
    """Chromium and ChromeDriver; skipped only when they are absent and cannot be installed."""
    try:
        return ensure_browser()
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser: {exc}")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where screenshots go: $LEAD_SLA_REPORT_SCREENSHOTS if set, else pytest's temporary folder."""
    import os

    folder = Path(os.environ.get("LEAD_SLA_REPORT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
