"""What a validation run returns: one outcome per expectation, and the error a critical failure raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

MESSAGE_EXAMPLES = 3        # offending rows shown per failed expectation in DataQualityError
MESSAGE_TEXT_LIMIT = 600    # characters of examples shown per failed expectation


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation of one suite in one run (a row of ``dq.validation_results``).

    ``success`` is ``None`` when the expectation was not evaluated: an optional suite whose table is
    missing, or a check that needs a source stream the night had no data for (``quality/streams.py``).
    ``unexpected_examples`` is JSON: a list of a few offending rows (row-level expectations).
    """

    suite: str
    table_name: str
    expectation: str
    expectation_type: str
    severity: str
    success: bool | None
    observed_value: str | None
    unexpected_count: int | None
    unexpected_examples: str | None
    why: str

    @property
    def failed(self) -> bool:
        return self.success is False

    @property
    def status(self) -> str:
        """``passed``, ``failed``, or ``skipped`` (not evaluated; ``observed_value`` says why)."""
        return "skipped" if self.success is None else "passed" if self.success else "failed"

    def describe(self) -> str:
        """One line for messages: where, what, the observed value and a few offending rows."""
        text = f"{self.suite} · {self.expectation} [{self.expectation_type}]: observed {self.observed_value}"
        if (
            self.unexpected_examples
            and self.unexpected_examples != "[]"
            and self.unexpected_examples not in (self.observed_value or "")
        ):
            examples = self.unexpected_examples
            if len(examples) > MESSAGE_TEXT_LIMIT:
                examples = examples[:MESSAGE_TEXT_LIMIT] + " …"
            text += f"; offending rows: {examples}"
        return text + f" — why it matters: {self.why}"


class DataQualityError(RuntimeError):
    """At least one critical expectation failed; the message lists each with its evidence."""

    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        failures = report.critical_failures
        lines = [
            f"{len(failures)} critical data-quality check{'s' if len(failures) != 1 else ''} failed "
            f"(run {report.run_id}, stage {report.stage}, run day {report.run_date.isoformat()}):"
        ]
        lines.extend(f"- {outcome.describe()}" for outcome in failures)
        lines.append("Results: dq.validation_results" + (f"; Data Docs: {report.docs_index}" if report.docs_index else ""))
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ValidationReport:
    """Every outcome of one stage of one run, and how to act on it."""

    run_id: str
    run_date: date
    stage: str
    validated_at: datetime
    outcomes: tuple[ExpectationOutcome, ...]
    notes: tuple[str, ...] = ()
    docs_index: Path | None = None
    seconds: float = 0.0
    suites: tuple[str, ...] = field(default=())

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.failed and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Failed expectations of severity ``warning``: reported, never blocking."""
        return [o for o in self.outcomes if o.failed and o.severity == "warning"]

    @property
    def skipped(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.success is None]

    @property
    def success(self) -> bool:
        """No critical failure (warnings do not count)."""
        return not self.critical_failures

    def summary(self) -> str:
        evaluated = [o for o in self.outcomes if o.success is not None]
        passed = sum(1 for o in evaluated if o.success)
        text = (
            f"{self.stage} checks for {self.run_date.isoformat()} (run {self.run_id}): "
            f"{passed}/{len(evaluated)} passed, {len(self.critical_failures)} critical failures, "
            f"{len(self.warnings)} warnings"
        )
        if self.notes:
            text += f", {len(self.notes)} notes"
        return text + f" ({self.seconds:.1f} s)"

    def raise_for_critical(self) -> None:
        """Raise ``DataQualityError`` if any critical expectation failed; warnings never raise."""
        if self.critical_failures:
            raise DataQualityError(self)
