"""The share of a stream's rows the night set aside: a warning above one bound, critical above the other.

The suite `raw/rows.yml` reads the night's extraction batches (`raw._batches` since the run started)
and judges each stream's quarantined share against LEAD_SLA_QUARANTINE_WARNING_SHARE and
LEAD_SLA_QUARANTINE_CRITICAL_SHARE, which the gate passes from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb
import pytest

from lead_sla.ops.runlog import RUNS_DDL
from lead_sla.quality import DataQualityError, ValidationReport
from lead_sla.quality.gate import gate_parameters
from lead_sla.settings import Settings

from .conftest import PROJECT_ROOT, outcome

SUITE = "quarantine.rows"
WARNING = "quarantined_share_below_warning_bound"
CRITICAL = "quarantined_share_below_critical_bound"
RUN_STARTED = datetime(2026, 10, 29, 2, 0)


def add_batch(conn: duckdb.DuckDBPyConnection, stream: str, read: int, quarantined: int, *, filtered: int = 0,
              at: datetime = RUN_STARTED) -> None:
    conn.execute(
        """INSERT INTO raw._batches (batch_id, stream, source, started_at, finished_at, rows_read, rows_loaded,
               rows_duplicate, rows_quarantined, rows_filtered, cursor_before, cursor_after)
           VALUES (?, ?, 'files:demo', ?, ?, ?, ?, 0, ?, ?, NULL, NULL)""",
        [f"{stream}-{at:%H%M%S}-{read}-{quarantined}", stream, at, at, read, read - quarantined - filtered,
         quarantined, filtered],
    )


def judged(validate: Callable[..., ValidationReport], conn: duckdb.DuckDBPyConnection, **params) -> ValidationReport:
    return validate(conn, "raw", params={"run_started_at": RUN_STARTED, **params})


@pytest.mark.parametrize(
    ("batches", "warning_passes", "critical_passes"),
    [
        pytest.param([("contacts", 1000, 5), ("activities", 400, 0)], True, True, id="a-few-bad-rows-pass"),
        pytest.param([("contacts", 1000, 30), ("activities", 400, 0)], False, True, id="3-percent-is-a-warning"),
        pytest.param([("contacts", 1000, 200), ("activities", 400, 0)], False, False, id="20-percent-is-critical"),
        pytest.param([("contacts", 10, 5)], True, True, id="too-few-rows-to-judge"),
        pytest.param([("contacts", 500, 5), ("contacts", 500, 45)], False, True, id="a-streams-batches-add-up"),
    ],
)
def test_the_quarantined_share_of_each_stream_is_judged(warehouse, validate, batches, warning_passes, critical_passes):
    for stream, read, quarantined in batches:
        add_batch(warehouse, stream, read, quarantined)
    report = judged(validate, warehouse)
    warning, critical = outcome(report, SUITE, WARNING), outcome(report, SUITE, CRITICAL)
    assert (warning.success, critical.success) == (warning_passes, critical_passes)
    assert (warning.severity, critical.severity) == ("warning", "critical")
    if not warning_passes:
        assert [w for w in report.warnings if w.expectation == WARNING]
        assert "contacts" in warning.describe()
    if critical_passes:
        report.raise_for_critical()
    else:
        with pytest.raises(DataQualityError, match="quarantined_share_below_critical_bound"):
            report.raise_for_critical()


def test_only_the_batches_of_the_run_are_judged(warehouse, validate):
    add_batch(warehouse, "contacts", 1000, 500, at=datetime(2026, 10, 28, 2, 0))  # an earlier night's bad export
    add_batch(warehouse, "contacts", 1000, 2)
    report = judged(validate, warehouse)
    assert outcome(report, SUITE, WARNING).success and outcome(report, SUITE, CRITICAL).success


def test_rows_a_load_filters_out_on_purpose_do_not_count(warehouse, validate):
    add_batch(warehouse, "deals", 1000, 5, filtered=900)  # 5 of the 100 rows meant to land: 5%
    report = judged(validate, warehouse)
    assert not outcome(report, SUITE, WARNING).success and outcome(report, SUITE, CRITICAL).success


def test_the_bounds_are_the_settings(warehouse, validate):
    add_batch(warehouse, "contacts", 1000, 30)
    lenient = Settings(project_root=PROJECT_ROOT, quarantine_warning_share=0.05, quarantine_critical_share=0.5)
    strict = Settings(project_root=PROJECT_ROOT, quarantine_warning_share=0.001, quarantine_critical_share=0.02)
    passed = judged(validate, warehouse, **{k: v for k, v in gate_parameters(lenient, warehouse, "none").items()
                                             if k.startswith("quarantine_")})
    assert outcome(passed, SUITE, WARNING).success and outcome(passed, SUITE, CRITICAL).success
    stopped = judged(validate, warehouse, **{k: v for k, v in gate_parameters(strict, warehouse, "none").items()
                                              if k.startswith("quarantine_")})
    assert not outcome(stopped, SUITE, CRITICAL).success


def test_the_gate_judges_from_the_start_of_its_run(warehouse):
    settings = Settings(project_root=PROJECT_ROOT)
    assert "run_started_at" not in gate_parameters(settings, warehouse, "unknown-run")
    warehouse.execute(RUNS_DDL)
    warehouse.execute("INSERT INTO ops.runs (run_id, flow, run_date, started_at, status) "
                      "VALUES ('r1', 'nightly', DATE '2026-10-28', ?, 'running')", [RUN_STARTED])
    params = gate_parameters(settings, warehouse, "r1")
    assert params["run_started_at"] == RUN_STARTED
    assert (params["quarantine_warning_share"], params["quarantine_critical_share"]) == (0.01, 0.10)
