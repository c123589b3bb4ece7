"""Fixtures of the report tests: a small demo warehouse published once per session, the report
built from it, and a headless Chromium (installed by tests/support/install_browser.sh if missing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lead_sla.report import build_report
from tests.support.published import PublishedDemo
from tests.support.browser import BrowserPaths, BrowserUnavailable, ensure_browser

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
