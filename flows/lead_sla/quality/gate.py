"""The data-quality gate of a run: validate a stage and decide whether the night may go on."""

from __future__ import annotations

from datetime import date
from typing import Literal

from lead_sla.quality.report import ValidationReport
from lead_sla.quality.validate import run_validation
from lead_sla.settings import Settings
from lead_sla.warehouse import open_warehouse


def validate_stage(
    settings: Settings, *, run_id: str, run_date: date, stage: Literal["raw", "marts", "scores"], data_docs: bool = True
) -> ValidationReport:
    """Run the ``stage`` suites on the warehouse, store the results, and raise on a critical failure.

    Results and Data Docs are written before raising, so a stopped night still says what failed.
    """
    conn = open_warehouse(settings)
    try:
        report = run_validation(
            conn,
            run_id=run_id,
            run_date=run_date,
            stage=stage,
            suites_dir=settings.expectations_dir,
            docs_dir=settings.data_docs_dir if data_docs else None,
            params={"reporting_timezone": settings.reporting_timezone},
        )
    finally:
        conn.close()
    report.raise_for_critical()
    return report
