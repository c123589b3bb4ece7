"""Checks that need a source stream the night did not have are skipped and recorded as skipped.

A build records which streams it had data for (``ops.night_streams``); the gate reads it, and a
check declared to need an absent optional stream (``requires_streams``, or a raw suite of that
stream) is neither passed nor failed: ``status = 'skipped'`` with the reason, in
``dq.validation_results`` and on the results page. The declarations are checked against dbt's
lineage so that they cannot name a stream the guarded table does not read.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from lead_sla.ops.streams import NIGHT_STREAMS_DDL, NIGHT_STREAMS_TABLE
from lead_sla.quality import SuiteError, ValidationReport, load_suites
from lead_sla.quality.results_page import latest_runs, render_results_page, run_results
from lead_sla.quality.streams import expectation_streams, suite_streams
from lead_sla.settings import Settings
from lead_sla.sources.check import REQUIRED_STREAMS, marts_by_stream
from lead_sla.sources.streams import STREAMS

from .conftest import PROJECT_ROOT, SUITES_DIR, outcome

FUNNEL = "marts.fct_lead_funnel_daily"
WEB_SESSIONS_CHECKS = ["every_session_counted_once", "sessions_volume_within_band", "visitors_within_sessions"]
# a session lost between the attributed sessions and the funnel: the funnel miscounts
LOSE_SESSIONS = "DELETE FROM intermediate.int_sessions_attributed WHERE rowid % 10 = 0"


def _night(conn: duckdb.DuckDBPyConnection, absent: set[str]) -> None:
    """``ops.night_streams`` as a build leaves it: every stream with rows but ``absent``."""
    conn.execute(NIGHT_STREAMS_DDL)
    conn.execute(f"DELETE FROM {NIGHT_STREAMS_TABLE}")
    conn.executemany(
        f"INSERT INTO {NIGHT_STREAMS_TABLE} VALUES (?, ?, ?, ?, ?)",
        [(s.name, s.system, s.name in REQUIRED_STREAMS, 0 if s.name in absent else 10, s.name not in absent)
         for s in STREAMS],
    )


def _status(conn: duckdb.DuckDBPyConnection, suite: str) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        "SELECT expectation, status, observed_value FROM dq.validation_results WHERE run_id = 'test-run' AND suite = ?",
        [suite],
    ).fetchall()
    return {name: (status, observed) for name, status, observed in rows}


def test_a_check_of_an_absent_stream_is_skipped_not_failed(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport], suites_for: Callable[..., Path]
) -> None:
    warehouse.execute(LOSE_SESSIONS)
    suites = suites_for("marts/fct_lead_funnel_daily")

    _night(warehouse, absent=set())
    present = validate(warehouse, "marts", suites, docs_dir=None)
    assert [o.expectation for o in present.critical_failures] == ["every_session_counted_once"]

    _night(warehouse, absent={"web_sessions"})
    absent = validate(warehouse, "marts", suites, docs_dir=None)

    assert absent.success and absent.critical_failures == []
    assert sorted(o.expectation for o in absent.skipped) == WEB_SESSIONS_CHECKS
    skipped = outcome(absent, FUNNEL, "every_session_counted_once")
    assert skipped.success is None and skipped.status == "skipped"
    assert skipped.observed_value.startswith("skipped: no web_sessions data in this build")
    # the checks that do not need sessions still run, and the new-lead count is still judged
    assert outcome(absent, FUNNEL, "every_new_lead_counted_once").status == "passed"
    stored = _status(warehouse, FUNNEL)
    assert {name for name, (status, _) in stored.items() if status == "skipped"} == set(WEB_SESSIONS_CHECKS)
    assert stored["every_session_counted_once"][1] == skipped.observed_value
    assert {status for name, (status, _) in stored.items() if name not in WEB_SESSIONS_CHECKS} == {"passed"}


def test_the_results_page_shows_skipped_checks_with_their_reason(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport], suites_for: Callable[..., Path]
) -> None:
    _night(warehouse, absent={"web_sessions"})
    validate(warehouse, "marts", suites_for("marts/fct_lead_funnel_daily"), docs_dir=None)

    page = render_results_page("test-run", run_results(warehouse, "test-run"), latest_runs(warehouse),
                               published_day=None, generated_at=datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc))

    assert "3 checks skipped, not evaluated" in page
    assert f"{len(_status(warehouse, FUNNEL)) - 3} of {len(_status(warehouse, FUNNEL))} passed, 3 skipped" in page
    assert page.count('data-outcome="skipped"') == 3
    assert "skipped: no web_sessions data in this build" in page


def test_a_raw_suite_of_an_absent_optional_stream_is_skipped_a_required_one_never(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport]
) -> None:
    warehouse.execute("DELETE FROM raw.activities; DELETE FROM raw.contacts")
    _night(warehouse, absent={"activities", "contacts"})

    report = validate(warehouse, "raw", docs_dir=None)

    activities = [o for o in report.outcomes if o.suite == "raw.activities"]
    assert activities and {o.status for o in activities} == {"skipped"}
    contacts = [o for o in report.outcomes if o.suite == "raw.contacts"]
    assert contacts and "skipped" not in {o.status for o in contacts}
    assert any("suite raw.activities skipped: no activities data" in note for note in report.notes)


def test_a_warehouse_without_the_stream_record_skips_nothing(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport], suites_for: Callable[..., Path]
) -> None:
    warehouse.execute(LOSE_SESSIONS)
    report = validate(warehouse, "marts", suites_for("marts/fct_lead_funnel_daily"), docs_dir=None)
    assert report.skipped == [] and [o.expectation for o in report.critical_failures] == ["every_session_counted_once"]


SUITE = """\
table: marts.example
stage: marts
description: A suite that needs the deals stream.
requires_streams: [deals]
row_count:
  expected: SELECT 2
  why: 'Two rows, one per deal.'
expectations:
  - type: expect_column_values_to_not_be_null
    kwargs: {column: amount}
    severity: critical
    why: 'every deal has an amount'
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "suites"
    (folder / "marts").mkdir(parents=True, exist_ok=True)
    (folder / "marts" / "example.yml").write_text(textwrap.dedent(text))
    return folder


def test_a_suite_that_requires_an_absent_stream_skips_every_check_row_counts_included(
    tmp_path: Path, validate: Callable[..., ValidationReport]
) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("CREATE SCHEMA marts; CREATE TABLE marts.example AS SELECT CAST(NULL AS INT) AS amount")
    _night(conn, absent={"deals"})

    report = validate(conn, "marts", _write(tmp_path, SUITE), docs_dir=None)

    assert sorted(o.expectation for o in report.skipped) == sorted(
        ["expect_column_values_to_not_be_null(amount)", "rows_match_inputs", "rows_keep_previous_publication"])
    assert report.success and len(report.outcomes) == 3
    assert report.notes == ("suite marts.example skipped: no deals data in this build (an optional stream the source "
                            "mapping does not provide, or that is empty); the check needs it",)

    _night(conn, absent=set())
    evaluated = validate(conn, "marts", _write(tmp_path, SUITE), docs_dir=None)
    assert sorted(o.expectation for o in evaluated.critical_failures) == [
        "expect_column_values_to_not_be_null(amount)", "rows_match_inputs"]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        pytest.param("requires_streams: [contacts]", "'contacts' is a required stream", id="required-stream"),
        pytest.param("requires_streams: [lifecycle_changes]", "'lifecycle_changes' is a required stream", id="required-lifecycle"),
        pytest.param("requires_streams: [activity]", "'activity' is not a source stream", id="typo"),
    ],
)
def test_a_suite_may_only_require_optional_streams_of_the_contract(tmp_path: Path, declaration: str, message: str) -> None:
    text = SUITE.replace("requires_streams: [deals]", declaration)
    with pytest.raises(SuiteError, match=message):
        load_suites(_write(tmp_path, text))
    # the same on one expectation
    text = SUITE.replace("requires_streams: [deals]\n", "").replace(
        "    severity: critical\n", f"    {declaration}\n    severity: critical\n")
    with pytest.raises(SuiteError, match=message):
        load_suites(_write(tmp_path, text))


@pytest.fixture(scope="module")
def lineage() -> dict[str, list[str]]:
    return marts_by_stream(Settings(project_root=PROJECT_ROOT))


def test_every_declared_stream_is_one_the_guarded_table_reads(lineage: dict[str, list[str]]) -> None:
    declared = []
    for suite in load_suites(SUITES_DIR):
        for spec in suite.spec.expectations:
            for stream in expectation_streams(suite, spec):
                declared.append((suite.name, spec.label, stream))
                if suite.stage == "raw":
                    assert suite.name == f"raw.{stream}", (suite.name, spec.label, stream)
                else:
                    assert suite.name in lineage[stream], (
                        f"{suite.name}: {spec.label} requires {stream}, but dbt's lineage has no path from it")
    # the committed declarations: sessions for the funnel's session checks, activities for responses
    marts = sorted({(s, e, st) for s, e, st in declared if not s.startswith("raw.")})
    assert marts == [
        ("marts.fct_lead_funnel_daily", "every_session_counted_once", "web_sessions"),
        ("marts.fct_lead_funnel_daily", "sessions_volume_within_band", "web_sessions"),
        ("marts.fct_lead_funnel_daily", "visitors_within_sessions", "web_sessions"),
        ("marts.fct_sales_sla_daily", "breach_rate_stable", "activities"),
        ("marts.fct_sales_sla_daily", "p90_not_below_median", "activities"),
    ]
    optional = {s.name for s in STREAMS} - set(REQUIRED_STREAMS)
    assert {suite.name for suite in load_suites(SUITES_DIR, "raw") if suite_streams(suite)} == {f"raw.{s}" for s in optional}
