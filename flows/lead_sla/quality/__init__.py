"""Data-quality gates: Great Expectations suites over what lands (raw) and what is published (marts).

Plain functions, no Prefect: ``run_validation`` runs the suites of a stage from ``expectations/``,
writes every result to ``dq.validation_results``, builds Data Docs and returns a
``ValidationReport``; ``report.raise_for_critical()`` raises ``DataQualityError`` when a critical
expectation failed. See ``expectations/README.md`` for the suite format.

The names below are imported when first used: importing Great Expectations takes seconds, and
the commands that only read the suite format or the publications table (``status``, ``publish``)
never need it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lead_sla.quality.outcomes import DataQualityError, ExpectationOutcome, ValidationReport
    from lead_sla.quality.results import RESULTS_TABLE
    from lead_sla.quality.suites import Suite, SuiteError, load_suites
    from lead_sla.quality.validate import run_validation

_WHERE = {
    "RESULTS_TABLE": "lead_sla.quality.results",
    "DataQualityError": "lead_sla.quality.outcomes",
    "ExpectationOutcome": "lead_sla.quality.outcomes",
    "Suite": "lead_sla.quality.suites",
    "SuiteError": "lead_sla.quality.suites",
    "ValidationReport": "lead_sla.quality.outcomes",
    "load_suites": "lead_sla.quality.suites",
    "run_validation": "lead_sla.quality.validate",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
