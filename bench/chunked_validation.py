"""Time the chunked path on 1,000,000 rows (not collected by pytest; run it by hand).

    .venv/bin/python bench/chunked_validation.py [rows] [rows_per_batch ...]

Fills ``raw.web_sessions`` with synthetic, valid versions in a temporary DuckDB file and runs the
committed ``raw/web_sessions`` suite (schema, keys, timestamp format, parse and future checks,
uniqueness of versions and keys, freshness) through ``run_validation`` once per chunk size.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.quality import run_validation
from lead_sla.run_day import RunDay
from lead_sla.settings import find_project_root

RUN_DATE = date(2026, 10, 28)


def fill(conn: duckdb.DuckDBPyConnection, rows: int) -> None:
    ensure_raw_schema(conn)
    conn.execute(
        f"""INSERT INTO raw.web_sessions (session_id, visitor_id, started_at, ended_at, landing_page, referrer,
                                          utm_source, utm_medium, utm_campaign, pageviews,
                                          _batch_id, _extracted_at, _source, _source_line, _export_date, _row_hash)
            SELECT 's-' || i, 'v-' || (i % 200000),
                   strftime(TIMESTAMP '{RUN_DATE}' - INTERVAL (i % 86400) SECOND - INTERVAL (i // 86400) DAY, '%Y-%m-%d %H:%M:%S'),
                   strftime(TIMESTAMP '{RUN_DATE}' - INTERVAL (i % 86400) SECOND - INTERVAL (i // 86400) DAY + INTERVAL 3 MINUTE, '%Y-%m-%d %H:%M:%S'),
                   '/pricing', 'https://www.google.com/', 'google', 'cpc', 'brand', CAST(1 + i % 7 AS VARCHAR),
                   'batch-' || (i // 50000), TIMESTAMP '{RUN_DATE}' + INTERVAL 26 HOUR, 'web_sessions/part', i,
                   CAST(TIMESTAMP '{RUN_DATE}' - INTERVAL (i // 86400) DAY AS DATE), md5(CAST(i AS VARCHAR))
            FROM range({rows}) AS t(i)"""
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batches = [int(a) for a in sys.argv[2:]] or [250_000, 100_000]
    suites = find_project_root(Path(__file__)) / "expectations"
    work = Path(tempfile.mkdtemp(prefix="dq-bench-"))
    try:
        suite_dir = work / "expectations" / "raw"
        suite_dir.mkdir(parents=True)
        shutil.copy(suites / "raw" / "web_sessions.yml", suite_dir)
        conn = duckdb.connect(str(work / "bench.duckdb"))
        started = time.perf_counter()
        fill(conn, rows)
        print(f"filled {rows:,} rows in {time.perf_counter() - started:.1f} s")
        for rows_per_batch in batches:
            for docs in (None, work / "docs"):
                started = time.perf_counter()
                report = run_validation(
                    conn, run_id=f"bench-{rows_per_batch}", day=RunDay(RUN_DATE, "America/New_York"), stage="raw",
                    suites_dir=work / "expectations", docs_dir=docs, rows_per_batch=rows_per_batch,
                )
                seconds = time.perf_counter() - started
                print(
                    f"rows_per_batch={rows_per_batch:>9,} docs={'yes' if docs else 'no ':<3} "
                    f"{seconds:6.1f} s  ({rows / seconds:,.0f} rows/s, {len(report.outcomes)} expectations, "
                    f"{len(report.critical_failures)} critical failures, {len(report.warnings)} warnings)"
                )
        conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
