"""The data-quality results page beside the published copy: ``<published>/data_quality/index.html``.

Written after each validation stage of a run, whether its checks passed or not: the page is about
the run's checks, not the day's numbers, so a night stopped by a critical failure still says
beside the copy what failed (and that readers keep the day published before).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from lead_sla.publish.publisher import published_day
from lead_sla.quality.results_page import latest_runs, render_results_page, run_results
from lead_sla.warehouse import connect

RESULTS_PAGE_FOLDER = "data_quality"


def results_page_path(published_dir: Path) -> Path:
    return published_dir / RESULTS_PAGE_FOLDER / "index.html"


def publish_results_page(warehouse: Path, published_dir: Path, run_id: str) -> Path:
    """Render ``run_id``'s results from the warehouse and swap the page in atomically; returns its path.

    Opens the warehouse read-only: call it between stages, from the process that holds the run lock.
    """
    conn = connect(warehouse, read_only=True)
    try:
        rows = run_results(conn, run_id)
        runs = latest_runs(conn)
    finally:
        conn.close()
    page = render_results_page(run_id, rows, runs, published_day=published_day(published_dir),
                               generated_at=datetime.now(timezone.utc))
    target = results_page_path(published_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
