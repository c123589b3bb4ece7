"""Fixtures of the flow tests."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import lead_sla.flows.nightly as nightly_module
import lead_sla.transform.build as build_module
from lead_sla.quality.outcomes import ValidationReport


@pytest.fixture
def without_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without their gates: no dbt data tests, no data-quality suites.

    For the properties about what the warehouse holds after sequences of runs: the gates change
    nothing in it (they only read), and they are tested on their own (tests/quality, the quality
    gate and quiet-day flows, and every test on the published demo), so leaving them out keeps
    these many-run tests quick.
    """
    real_build = build_module.build

    def build_models(settings, day, **kwargs):  # noqa: ANN001, ANN202 - the signature of build
        return real_build(settings, day, data_tests=False, **kwargs)

    def no_validation(settings, run_id, day, stage):  # noqa: ANN001, ANN202 - the task's signature
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        return ValidationReport(run_id=run_id, run_date=day.run_date, stage=stage, validated_at=now, outcomes=(),
                                notes=(), docs_index=None, seconds=0.0, suites=())

    monkeypatch.setattr(build_module, "build", build_models)
    monkeypatch.setattr(nightly_module, "validate", no_validation)
