"""The data-quality gate: run a stage's suites, keep every result, build Data Docs, report."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import duckdb
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

from lead_sla.ops.streams import absent_streams, read_night_streams
from lead_sla.quality.data_docs import DEFAULT_KEEP_RUNS, build_data_docs
from lead_sla.quality.engine import GxRunner, bind_suite, validate_suite
from lead_sla.quality.frames import DEFAULT_ROWS_PER_BATCH
from lead_sla.quality.outcomes import ExpectationOutcome, ValidationReport
from lead_sla.quality.results import write_results
from lead_sla.quality.streams import split_by_streams
from lead_sla.quality.suites import BUILTIN_PARAMS, PUBLICATIONS_DDL, STAGES, ParamValue, Suite, SuiteError, load_suites
from lead_sla.run_day import RunDay

logger = logging.getLogger(__name__)

DEFAULT_EXAMPLE_ROWS = 5


def run_parameters(
    suite: Suite,
    *,
    run_id: str,
    day: RunDay,
    validated_at: datetime,
    overrides: Mapping[str, ParamValue] | None = None,
) -> dict[str, ParamValue]:
    """The values ``${...}`` binds to in ``suite``: its defaults, the run's overrides, the built-ins
    (the run id, the validation time and the run day's :meth:`~lead_sla.run_day.RunDay.suite_params`)."""
    overrides = dict(overrides or {})
    clash = set(overrides) & set(BUILTIN_PARAMS)
    if clash:
        raise SuiteError(f"params may not override the built-in {', '.join(sorted(clash))}")
    builtins: dict[str, ParamValue] = {"run_id": run_id, "validated_at": validated_at, **day.suite_params()}
    return {**suite.spec.params, **overrides, **builtins}


def run_validation(
    conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    day: RunDay,
    stage: Literal["raw", "marts", "scores"],
    suites_dir: Path,
    docs_dir: Path | None,
    params: Mapping[str, ParamValue] | None = None,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    example_rows: int = DEFAULT_EXAMPLE_ROWS,
    keep_runs: int = DEFAULT_KEEP_RUNS,
) -> ValidationReport:
    """Validate every suite of ``stage`` in ``suites_dir`` against the warehouse ``conn`` holds, for
    the run day ``day`` (whose day, zone and instants the suites' built-in parameters are).

    Writes one row per expectation to ``dq.validation_results`` in one transaction (a rerun of
    the same ``run_id`` and ``stage`` replaces its rows), builds Data Docs into ``docs_dir`` (none
    when it is ``None``, e.g. in a long backfill) and returns the report; it does not raise for
    failed expectations (call ``report.raise_for_critical()``). ``params`` overrides the suites'
    declared parameters (bands, windows, quarantine shares). A check that needs an optional
    stream the build had no data for (``ops.night_streams``) is not evaluated: its outcome is
    skipped, with the reason (``quality/streams.py``). Raises ``SuiteError`` for an invalid suite
    file, before anything is written.
    """
    started = time.monotonic()
    run_date = day.run_date
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    if rows_per_batch < 1 or example_rows < 0:
        raise ValueError("rows_per_batch must be at least 1 and example_rows not negative")
    validated_at = datetime.now(timezone.utc).replace(tzinfo=None)
    all_suites = load_suites(suites_dir)
    suites = [s for s in all_suites if s.stage == stage]
    if not suites:
        raise SuiteError(f"{suites_dir}: no suites for stage {stage!r}")

    # Bind every suite (both stages) first: a broken suite file fails the call before any work.
    values = {
        s.name: run_parameters(s, run_id=run_id, day=day, validated_at=validated_at, overrides=params)
        for s in all_suites
    }
    bound = {s.name: bind_suite(s, values[s.name]) for s in all_suites}

    # row_count checks compare with the previous publication; a warehouse never published has none
    conn.execute(PUBLICATIONS_DDL)
    absent = absent_streams(read_night_streams(conn))
    runner = GxRunner(example_rows=example_rows)
    outcomes: list[ExpectationOutcome] = []
    notes: list[str] = []
    docs_results: dict[str, ExpectationSuiteValidationResult] = {}
    for suite in suites:
        suite_started = time.monotonic()
        evaluate, skipped = split_by_streams(suite, bound[suite.name], absent)
        outcomes.extend(skipped)
        if not evaluate:
            notes.append(f"suite {suite.name} skipped: {skipped[0].observed_value.removeprefix('skipped: ')}")
            continue
        run = validate_suite(
            conn, suite, evaluate, runner, values[suite.name],
            rows_per_batch=rows_per_batch, example_rows=example_rows,
        )
        outcomes.extend(run.outcomes)
        notes.extend(run.notes)
        if run.docs_result is not None:
            docs_results[suite.name] = run.docs_result
        logger.info("suite %s: %d expectations in %.2f s", suite.name, len(run.outcomes), time.monotonic() - suite_started)

    write_results(conn, run_id=run_id, run_date=run_date, stage=stage, validated_at=validated_at, outcomes=outcomes)
    docs_index = None
    if docs_dir is not None:
        docs_index = build_data_docs(
            docs_dir,
            suites=[(s, bound[s.name]) for s in all_suites],
            results=docs_results,
            run_id=run_id,
            run_date=run_date,
            stage=stage,
            validated_at=validated_at,
            keep_runs=keep_runs,
        )
    report = ValidationReport(
        run_id=run_id,
        run_date=run_date,
        stage=stage,
        validated_at=validated_at,
        outcomes=tuple(outcomes),
        notes=tuple(notes),
        docs_index=docs_index,
        seconds=time.monotonic() - started,
        suites=tuple(s.name for s in suites),
    )
    logger.info(report.summary())
    for note in notes:
        logger.info("note: %s", note)
    return report
