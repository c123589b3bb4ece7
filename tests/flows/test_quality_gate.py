"""The data-quality gate in the nightly run: a critical failure stops the night before scoring and
publishing, readers keep the last good day, the run fails listing what failed, and the results page
beside the published copy shows it, offline."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from lead_sla.flows.nightly import nightly
from lead_sla.publish.publisher import read_manifest
from lead_sla.publish.quality_page import results_page_path
from lead_sla.quality.outcomes import DataQualityError
from lead_sla.demo import generate
from tests.support.browser import BrowserUnavailable, ChromeDriver, ensure_browser

pytestmark = pytest.mark.slow

GOOD_DAY = date(2026, 10, 30)
BAD_DAY = date(2026, 10, 31)


def test_a_critical_failure_stops_the_night_and_readers_keep_the_last_good_day(prefect_harness, settings):
    generate(settings.landing, leads=200, days=20, seed=5, end_date=BAD_DAY)
    nightly(run_date=GOOD_DAY, settings=settings)
    assert read_manifest(settings.published_dir)["run_date"] == GOOD_DAY.isoformat()
    page = results_page_path(settings.published_dir)
    assert "<strong>Every critical check passed</strong>" in page.read_text()
    assert f"Published day: {GOOD_DAY}." in page.read_text()  # rewritten once the day was published

    # The CRM exports an activity dated in 2099: a source clock or zone gone wrong.
    header = (settings.landing / "activities").glob("*/*.csv").__next__().read_text().splitlines()[0]
    columns = header.split(",")
    bad = {c: "" for c in columns}
    bad.update(activity_id="ACT-FROM-THE-FUTURE", contact_id="CON-1", owner_id="USR-001", type="call",
               direction="outbound", occurred_at="2099-01-01 10:00:00", outcome="connected",
               created_at="2026-10-31 10:00:00", updated_at="2026-10-31 10:00:00")
    folder = settings.landing / "activities" / BAD_DAY.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part-99999.csv").write_text(header + "\n" + ",".join(bad[c] for c in columns) + "\n")

    with pytest.raises(DataQualityError) as failure:
        nightly(run_date=BAD_DAY, settings=settings)
    message = str(failure.value)
    assert "raw.activities" in message and "occurred_at_not_after_extraction" in message
    assert "ACT-FROM-THE-FUTURE" in message  # an offending row is shown

    # Readers still see the last good day; the failed day's stage and results are recorded.
    assert read_manifest(settings.published_dir)["run_date"] == GOOD_DAY.isoformat()
    conn = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        stages = dict(conn.execute(
            "select s.stage, s.status from ops.run_stages s join ops.runs r using (run_id, run_date) "
            "where r.run_date = ? and r.status = 'failed'", [BAD_DAY]).fetchall())
        assert stages == {"extract": "success", "build": "success", "validate": "failed"}
        failed = conn.execute(
            "select count(*) from dq.validation_results where run_date = ? and success = false and severity = 'critical'",
            [BAD_DAY]).fetchone()[0]
        assert failed >= 1
        has_scores = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'scoring' and table_name = 'lead_scores'"
        ).fetchone()[0]
        if has_scores:
            assert conn.execute("select count(*) from scoring.lead_scores where score_date = ?", [BAD_DAY]).fetchone() == (0,)
    finally:
        conn.close()

    # Beside the copy, the results page of the failed run says what failed and that readers keep the
    # good day, and opens in a browser without asking the network for anything.
    text = page.read_text()
    assert f"<title>Data-quality checks — run {failure.value.report.run_id} ({BAD_DAY})</title>" in text
    assert f"readers keep the published day {GOOD_DAY}" in text
    try:
        browser = ensure_browser()
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser: {exc}")
    with ChromeDriver.start(browser) as driver, driver.session(width=1280, height=900) as session:
        assert session.open(page) == "complete"
        assert session.requested_urls() == [page.resolve().as_uri()]
        assert session.execute("return performance.getEntriesByType('resource').length") == 0
        assert session.page_errors() == []
        failed = session.execute("""return [...document.querySelectorAll('#failed ~ table tr[data-outcome="failed"]')]
            .map(r => ({suite: r.dataset.suite, expectation: r.dataset.expectation, severity: r.dataset.severity,
                        text: r.innerText, shown: r.getBoundingClientRect().height > 0}))""")
        assert {"suite": "raw.activities", "expectation": "occurred_at_not_after_extraction", "severity": "critical"} in [
            {k: row[k] for k in ("suite", "expectation", "severity")} for row in failed]
        row = next(r for r in failed if r["expectation"] == "occurred_at_not_after_extraction")
        assert row["shown"] and "ACT-FROM-THE-FUTURE" in row["text"] and "failed" in row["text"]
        verdict = session.execute("return document.getElementById('verdict').innerText")
        assert re.match(rf"\d+ critical checks? failed: the night stopped before scoring and publishing; readers "
                        rf"keep the published day {GOOD_DAY}\.", verdict), verdict
