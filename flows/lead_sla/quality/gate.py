"""The data-quality gate of a run: validate a stage and decide whether the night may go on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import duckdb

from lead_sla.quality.outcomes import ValidationReport
from lead_sla.quality.validate import run_validation
from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.warehouse import open_warehouse


def validate_stage(
    settings: Settings, *, run_id: str, day: RunDay, stage: Literal["raw", "marts", "scores"], data_docs: bool = True
) -> ValidationReport:
    """Run the ``stage`` suites on the warehouse for the run day ``day``, store the results, and raise
    on a critical failure.

    Results and Data Docs are written before raising, so a stopped night still says what failed.
    """
    conn = open_warehouse(settings)
    try:
        report = run_validation(
            conn,
            run_id=run_id,
            day=day,
            stage=stage,
            suites_dir=settings.expectations_dir,
            docs_dir=settings.data_docs_dir if data_docs else None,
            params=gate_parameters(settings, conn, run_id),
        )
    finally:
        conn.close()
    report.raise_for_critical()
    return report


def run_started_at(conn: duckdb.DuckDBPyConnection, run_id: str) -> datetime | None:
    """When run ``run_id`` started (``ops.runs``), or None for a run the log does not know."""
    known = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = 'runs'"
    ).fetchone()
    if not known or not known[0]:
        return None
    row = conn.execute("SELECT started_at FROM ops.runs WHERE run_id = ?", [run_id]).fetchone()
    return None if row is None else row[0]


def gate_parameters(settings: Settings, conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str | float | datetime]:
    """What the settings decide in the suites besides the run day: the quarantine bounds, and the run's
    start (the quarantine check judges the batches this run extracted)."""
    params: dict[str, str | float | datetime] = {
        "quarantine_warning_share": settings.quarantine_warning_share,
        "quarantine_critical_share": settings.quarantine_critical_share,
    }
    started = run_started_at(conn, run_id)
    if started is not None:
        params["run_started_at"] = started
    return params
