"""The data-quality results page: every suite and every expectation of a run from
``dq.validation_results``, failures first with what was observed and why, in one file that needs
nothing from the network. (The page of a real failed night, in a browser: tests/flows/test_quality_gate.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from lead_sla.publish.quality_page import publish_results_page, results_page_path
from lead_sla.quality import RESULTS_TABLE, ValidationReport
from lead_sla.quality.results_page import ResultRow, latest_runs, render_results_page, run_results

from .test_run_validation import NEGATIVE_RESPONSE, UNASSIGNED_JUMP


class Rows(HTMLParser):
    """The expectation rows of a page: (section, suite, expectation, severity, outcome), and every URL
    an element would load (src, href, srcset, url(...) in styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.loads: list[str] = []
        self.section = "top"
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "h2" and values.get("id"):
            self.section = values["id"] or ""
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href", "srcset", "data", "poster"):
            if values.get(name):
                self.loads.append(str(values[name]))
        if "url(" in (values.get("style") or ""):
            self.loads.append(str(values["style"]))
        if tag == "tr" and "data-expectation" in values:
            self.rows.append((self.section, str(values["data-suite"]), str(values["data-expectation"]),
                              str(values["data-severity"]), str(values["data-outcome"])))


def _parse(page: str) -> Rows:
    parser = Rows()
    parser.feed(page)
    return parser


@pytest.fixture
def failed_run(warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport],
               suites_for: Callable[..., Path]) -> duckdb.DuckDBPyConnection:
    """Run test-run: every raw suite passing, then the marts' fct_sales_sla with a negative response
    (critical) and a jump of unassigned handoffs (warning)."""
    validate(warehouse, "raw", docs_dir=None)
    warehouse.execute(f"{NEGATIVE_RESPONSE}; {UNASSIGNED_JUMP}")
    validate(warehouse, "marts", suites_for("marts/fct_sales_sla"), docs_dir=None)
    return warehouse


def test_the_page_shows_every_suite_and_expectation_of_the_run(failed_run: duckdb.DuckDBPyConnection):
    rows = run_results(failed_run, "test-run")
    page = render_results_page("test-run", rows, latest_runs(failed_run), published_day=date(2026, 10, 30),
                               generated_at=datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc))
    stored = failed_run.execute(
        f"SELECT stage, suite, expectation, severity, success FROM {RESULTS_TABLE} WHERE run_id = 'test-run'").fetchall()
    outcome = {True: "passed", False: "failed", None: "skipped"}
    shown = _parse(page).rows
    in_stages = sorted((section.removeprefix("stage-"), suite, name, severity, result)
                       for section, suite, name, severity, result in shown if section.startswith("stage-"))
    assert in_stages == sorted((stage, suite, name, severity, outcome[success])
                               for stage, suite, name, severity, success in stored)
    assert len({suite for _, suite, *_ in stored}) > 10  # every raw suite, and the marts one

    failed = [(suite, name, severity) for section, suite, name, severity, _ in shown if section == "failed"]
    assert failed == [("marts.fct_sales_sla", "expect_column_values_to_be_between(response_minutes)", "critical"),
                      ("marts.fct_sales_sla", "unassigned_share_stable", "warning")]
    assert "1 critical check failed</strong>: the night stopped before scoring and publishing; readers keep the " \
           "published day 2026-10-30. 1 warning. Stages checked: raw, marts." in page
    assert "1 of 1200 rows unexpected" in page and "h-20261027-4" in page  # observed, and the offending row
    assert "A response cannot come before the clock started" in page       # why it matters


def test_the_page_loads_nothing_and_escapes_what_it_shows(failed_run: duckdb.DuckDBPyConnection):
    failed_run.execute(f"UPDATE {RESULTS_TABLE} SET why = '<script>alert(1)</script> & <img src=x>' "
                       "WHERE expectation = 'unassigned_share_stable'")
    page = render_results_page("test-run", run_results(failed_run, "test-run"), [], published_day=None,
                               generated_at=datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc))
    parsed = _parse(page)
    assert parsed.loads == [] and parsed.scripts == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;" in page
    assert "default-src 'none'" in page  # a browser fetches nothing even if something slipped in


def test_a_run_that_passes_says_so(warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport],
                                   suites_for: Callable[..., Path]):
    validate(warehouse, "marts", suites_for("marts/fct_sales_sla"), run_id="good-run", docs_dir=None)
    rows = run_results(warehouse, "good-run")
    page = render_results_page("good-run", rows, latest_runs(warehouse), published_day=None,
                               generated_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert "<strong>Every critical check passed</strong>; 0 warnings. Stages checked: marts. " \
           "Not checked (yet, or the night stopped first): raw, scores." in page
    assert [r for r in _parse(page).rows if r[0] == "failed"] == []
    assert isinstance(rows[0], ResultRow) and len(rows) == len(_parse(page).rows)


def test_publishing_writes_the_page_beside_the_copy(failed_run: duckdb.DuckDBPyConnection, tmp_path: Path):
    path = Path(failed_run.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchone()[0])
    failed_run.close()  # the page opens the warehouse read-only, as between two stages of a run
    published = tmp_path / "published"
    written = publish_results_page(path, published, "test-run")
    assert written == results_page_path(published) == published / "data_quality" / "index.html"
    assert "expect_column_values_to_be_between(response_minutes)" in written.read_text()
    assert "Published day: none yet" in written.read_text()
    assert [p.name for p in written.parent.iterdir()] == ["index.html"]  # no temporary file left


def _row(expectation: str, severity: str, success: bool | None) -> ResultRow:
    return ResultRow(stage="marts", suite="marts.fct_sales_sla", table_name="marts.fct_sales_sla",
                     expectation=expectation, expectation_type="expect_column_values_to_be_between",
                     severity=severity, success=success, observed_value=None, unexpected_count=None,
                     unexpected_examples=None, why="because", run_date=date(2026, 10, 31),
                     validated_at=datetime(2026, 11, 1, 6, 0))


def test_failures_come_first_critical_before_warning_then_skipped_then_passed():
    rows = [_row("a_passes", "critical", True), _row("b_warns", "warning", False), _row("c_skipped", "critical", None),
            _row("d_fails", "critical", False)]
    page = render_results_page("r", rows, [], published_day=None, generated_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    shown = _parse(page).rows
    assert [(name, result) for section, _, name, _, result in shown if section == "failed"] == [
        ("d_fails", "failed"), ("b_warns", "failed")]
    assert [name for section, _, name, _, _ in shown if section == "stage-marts"] == [
        "d_fails", "b_warns", "c_skipped", "a_passes"]
