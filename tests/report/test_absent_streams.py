"""A company without some optional exports: the report hides what it cannot measure, and says why.

The demo company is run through a mapping that leaves out its activities and web sessions exports.
The night still runs and publishes; the published copy says which streams it had (``meta.streams``);
the checks that need those streams are recorded as skipped; and the report's first-response,
breach and "Does speed win?" sections are each one line, "No activities export: first responses
cannot be measured.", while the funnel and the content section say that visits are not counted and
show what the other streams still measure. The full demo shows no such note.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from lead_sla.report import build_report
from lead_sla.report.render import ABSENT_STREAM_NOTES
from lead_sla.sources.streams import STREAMS
from tests.support.browser import BrowserPaths, ChromeDriver
from tests.support.published import PublishedDemo

LEFT_OUT = {"activities", "web_sessions"}
HIDDEN_FOR_ACTIVITIES = ("response", "breaches", "followup")


def _sections(page: str) -> dict[str, str]:
    """Each section of the page by its id, with its HTML."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<section class="panel" id="([a-z-]+)".*?</section>', page, re.S)}


def _notes(html: str) -> list[str]:
    return re.findall(r'data-absent-stream="([a-z_]+)"', html)


@pytest.fixture(scope="module")
def partial_report(published_partial: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(published_partial.database, published_partial.run_date, tmp_path_factory.mktemp("partial-report"),
                        reporting_timezone=published_partial.settings.reporting_timezone)


@pytest.fixture(scope="module")
def partial_page(partial_report: Path) -> str:
    return partial_report.read_text(encoding="utf-8")


def test_the_published_copy_says_which_streams_the_day_had(published_partial: PublishedDemo) -> None:
    rows = published_partial.query("SELECT stream, is_required, rows_known, has_data FROM meta.streams ORDER BY stream")
    assert sorted(r[0] for r in rows) == sorted(s.name for s in STREAMS)
    assert {r[0] for r in rows if not r[3]} == LEFT_OUT
    assert all(r[2] > 0 for r in rows if r[0] not in LEFT_OUT)
    assert {r[0] for r in rows if r[1]} == {"contacts", "lifecycle_changes"}


def test_checks_of_the_left_out_streams_are_recorded_as_skipped(published_partial: PublishedDemo) -> None:
    conn = duckdb.connect(str(published_partial.settings.warehouse), read_only=True)
    try:
        rows = conn.execute(
            """SELECT suite, expectation, status, observed_value FROM dq.validation_results
               WHERE run_id = (SELECT max(run_id) FROM dq.validation_results)""").fetchall()
    finally:
        conn.close()
    skipped = {(suite, name) for suite, name, status, _ in rows if status == "skipped"}
    assert {suite for suite, _ in skipped if suite.startswith("raw.")} == {"raw.activities", "raw.web_sessions"}
    assert {name for suite, name in skipped if suite == "marts.fct_lead_funnel_daily"} == {
        "every_session_counted_once", "sessions_volume_within_band", "visitors_within_sessions"}
    assert {name for suite, name in skipped if suite == "marts.fct_sales_sla_daily"} == {
        "p90_not_below_median", "breach_rate_stable"}
    assert all(observed.startswith("skipped: no ") for _, _, status, observed in rows if status == "skipped")
    assert [row for row in rows if row[2] == "failed"] == []


def test_sections_that_need_activities_are_one_line_saying_why(partial_page: str) -> None:
    sections = _sections(partial_page)
    for anchor in HIDDEN_FOR_ACTIVITIES:
        html = sections[anchor]
        assert _notes(html) == ["activities"], anchor
        assert ABSENT_STREAM_NOTES["activities"] in html
        assert "<table" not in html and "<svg" not in html, f"{anchor} still shows numbers it cannot have"
    summary = sections["summary"]
    for metric in ("kpi.sales_sla_attainment", "kpi.open_breaches", "kpi.median_response_minutes"):
        assert re.search(rf'data-metric="{re.escape(metric)}"[^>]*>—<', summary), metric
    assert summary.count(ABSENT_STREAM_NOTES["activities"]) == 3


def test_the_funnel_and_content_say_visits_are_not_counted_and_show_the_rest(partial_page: str) -> None:
    sections = _sections(partial_page)
    funnel, content = sections["funnel"], sections["content"]
    assert _notes(funnel) == ["web_sessions"] and ABSENT_STREAM_NOTES["web_sessions"] in funnel
    assert "<table" in funnel  # leads, MQLs and wins per channel are still counted, from the CRM's sources
    assert _notes(content) == ["web_sessions"]
    # the sections that need neither stream are unchanged
    assert all(not _notes(html) for anchor, html in sections.items()
               if anchor not in (*HIDDEN_FOR_ACTIVITIES, "funnel", "content", "summary"))


def test_the_full_demo_hides_nothing(report: Path, published: PublishedDemo) -> None:
    assert published.query("SELECT count(*) FROM meta.streams WHERE NOT has_data") == [(0,)]
    assert _notes(report.read_text(encoding="utf-8")) == []


@pytest.mark.slow
def test_the_notes_read_in_a_browser(browser: BrowserPaths, partial_report: Path) -> None:
    with ChromeDriver.start(browser) as driver, driver.session(width=1280, height=1000) as session:
        assert session.open(partial_report) == "complete"
        assert session.page_errors() == []
        notes = session.execute(
            """return [...document.querySelectorAll('[data-absent-stream]')].map(e => [e.closest('section').id,
                 e.dataset.absentStream, e.textContent, e.getBoundingClientRect().height])""")
    assert sorted((section, stream) for section, stream, _, _ in notes) == [
        ("breaches", "activities"), ("content", "web_sessions"), ("followup", "activities"), ("funnel", "web_sessions"),
        ("response", "activities")]
    for _, stream, text, height in notes:
        assert text == ABSENT_STREAM_NOTES[stream] and height > 10  # shown, not hidden
