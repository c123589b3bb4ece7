"""A reader that keeps the published copy open through a whole nightly run: it neither blocks the
run nor ever sees a half-published day."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date

import pytest

from lead_sla.flows.nightly import nightly
from lead_sla.publish.publisher import read_manifest
from lead_sla.demo import generate

pytestmark = pytest.mark.slow

FIRST, SECOND = date(2026, 10, 30), date(2026, 10, 31)

# Another process, as an analyst's would be: open the copy, read, wait, read again on the same
# connection, then reconnect.
READER = textwrap.dedent(
    """
    import sys, duckdb
    path = sys.argv[1]
    def snapshot(conn):
        day = conn.execute("select run_date from meta.publication").fetchone()[0]
        rows = conn.execute("select count(*) from marts.fct_sales_sla_daily where activity_date <= ?", [day]).fetchone()[0]
        return f"{day}|{rows}"
    held = duckdb.connect(path, read_only=True)
    print("before", snapshot(held), flush=True)
    sys.stdin.readline()
    print("held", snapshot(held), flush=True)
    held.close()  # DuckDB shares one instance per path within a process: reconnect as a reader app would
    print("fresh", snapshot(duckdb.connect(path, read_only=True)), flush=True)
    """
)


def test_a_reader_holding_the_published_copy_through_a_run(prefect_harness, settings):
    generate(settings.landing, leads=200, days=20, seed=3, end_date=SECOND)
    nightly(run_date=FIRST, settings=settings)
    published = settings.published_dir / "lead_sla.duckdb"

    reader = subprocess.Popen([sys.executable, "-c", READER, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        before = reader.stdout.readline().split()
        assert before[0] == "before" and before[1].startswith(str(FIRST)), reader.stderr.read()

        result = nightly(run_date=SECOND, settings=settings)  # the reader keeps its connection open
        assert result.status == "success" and result.published

        out, err = reader.communicate("go\n", timeout=120)
    finally:
        reader.kill()
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["held"] == before[1]                  # the open connection still reads its whole day
    assert lines["fresh"].startswith(str(SECOND))      # a new connection gets the new day
    assert read_manifest(settings.published_dir)["run_date"] == SECOND.isoformat()
