"""Data-quality gates: Great Expectations suites over what lands (raw) and what is published (marts).

Plain functions, no Prefect: ``run_validation`` runs the suites of a stage from ``expectations/``,
writes every result to ``dq.validation_results``, builds Data Docs and returns a
``ValidationReport``; ``report.raise_for_critical()`` raises ``DataQualityError`` when a critical
expectation failed. See ``expectations/README.md`` for the suite format.
"""

from lead_sla.quality.report import DataQualityError, ExpectationOutcome, ValidationReport
from lead_sla.quality.results import RESULTS_TABLE
from lead_sla.quality.suites import Suite, SuiteError, load_suites
from lead_sla.quality.validate import run_validation

__all__ = [
    "RESULTS_TABLE",
    "DataQualityError",
    "ExpectationOutcome",
    "Suite",
    "SuiteError",
    "ValidationReport",
    "load_suites",
    "run_validation",
]
