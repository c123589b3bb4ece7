"""Backtest: would the scores have found the leads that became customers?

``run_backtest(conn, start, end)`` evaluates four scorers on the outcomes that became known
(matured, see :mod:`lead_sla.scoring.model`) between the start of ``start`` and the end of
``end``, each row described only by what was known at its anchor:

- ``fit_only``: the ICP fit score; ``engagement_only``: the engagement score;
  ``combined``: 0.6 fit + 0.4 engagement (the fallback);
- ``learned``: ``p_convert`` from a model trained only on rows matured *before* ``start`` (the
  training cut-off): nothing from the evaluated period reaches it. It is trained only when the
  training rows reach the policy's minimum (lower it to experiment on small histories; the
  report says whether the nightly flow would have used it).

Results are given per population: ``leads`` (each lead at the end of the day it became known)
and ``handoffs`` (each handoff to sales at its instant), with ROC AUC, the conversion rate of
the top decile against the base rate, and a ten-bin calibration table. The warehouse must be
built as of a day at or after ``end`` (outcomes after its day are unknown).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd

from lead_sla.scoring.metrics import ScorerMetrics, evaluate
from lead_sla.scoring.model import LabelCounts, fit_estimator, label_definition, labelled_history, matured_before, predict
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.inputs import check_inputs, day_end_utc, day_start_utc, marts_as_of

SCORERS: dict[str, str] = {
    "fit_only": "fit_score",
    "engagement_only": "engagement_score",
    "combined": "combined_score",
    "learned": "p_convert",
}
POPULATIONS: dict[str, tuple[str, str]] = {
    "leads": ("lead", "each lead at the end of the day it became known"),
    "handoffs": ("handoff", "each handoff to sales, at its instant"),
}


@dataclass(frozen=True)
class TrainingSummary:
    """The learned scorer's training set (rows matured before the period)."""

    cutoff_at: datetime
    rows: int
    leads: int
    conversions: int
    min_labelled_leads: int
    min_conversions: int
    trained: bool
    message: str


@dataclass(frozen=True)
class PopulationResult:
    """The scorers on one population's rows of the period."""

    population: str
    description: str
    rows: int
    conversions: int
    base_rate: float | None
    scorers: list[ScorerMetrics] = field(default_factory=list)


@dataclass(frozen=True)
class BacktestReport:
    """Everything :func:`run_backtest` measured."""

    start: date
    end: date
    period_start_at: datetime
    period_end_at: datetime
    data_as_of: datetime
    horizon_days: int
    label: str
    training: TrainingSummary
    populations: list[PopulationResult]

    def scorer(self, population: str, name: str) -> ScorerMetrics | None:
        """The metrics of scorer ``name`` on ``population`` (``None`` if not measured)."""
        for result in self.populations:
            if result.population == population:
                return next((m for m in result.scorers if m.scorer == name), None)
        return None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary (dates and instants as ISO text)."""
        return _jsonable(asdict(self))


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_backtest(
    conn: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    timezone: str = "America/New_York",
    policy: ModelPolicy | None = None,
) -> BacktestReport:
    """Evaluate the four scorers on the outcomes that matured from ``start`` to ``end`` (both days included)."""
    policy = policy or ModelPolicy()
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    check_inputs(conn)
    data_as_of = marts_as_of(conn)
    if data_as_of is None:
        raise ValueError("the warehouse holds no handoffs yet: nothing to backtest")
    period_start_at, period_end_at = day_start_utc(start, timezone), day_end_utc(end, timezone)
    if period_end_at > data_as_of:
        raise ValueError(
            f"outcomes after {data_as_of} UTC (the warehouse's build) are not known yet: "
            f"--to must be on or before the warehouse's day"
        )

    rows = labelled_history(conn, timezone, policy.horizon_days)
    training = matured_before(rows, period_start_at)
    counts = LabelCounts.of(training)
    estimator = None
    if counts.meets(policy.min_labelled_leads, policy.min_conversions):
        estimator = fit_estimator(training)
        message = (f"trained on {counts.rows:,} rows matured before {period_start_at:%Y-%m-%d %H:%M} UTC "
                   f"({counts.leads:,} labelled leads, {counts.conversions:,} converted)")
    else:
        message = (f"not trained: {counts.leads:,} labelled leads, {counts.conversions:,} converted before the "
                   f"period; the minimum is {policy.min_labelled_leads:,} and {policy.min_conversions:,}")
    summary = TrainingSummary(period_start_at, counts.rows, counts.leads, counts.conversions,
                              policy.min_labelled_leads, policy.min_conversions, estimator is not None, message)

    period = rows[(rows["matures_at"] >= pd.Timestamp(period_start_at)) & (rows["matures_at"] < pd.Timestamp(period_end_at))]
    period = period.sort_values("row_id", kind="stable").copy()
    period["p_convert"] = predict(estimator, period) if estimator is not None and len(period) else np.nan

    results: list[PopulationResult] = []
    for name, (kind, description) in POPULATIONS.items():
        members = period[period["anchor_kind"] == kind]
        labels = members["label"].to_numpy()
        if members.empty:
            results.append(PopulationResult(name, description, 0, 0, None))
            continue
        metrics = [
            evaluate(scorer, members[column].to_numpy(), labels, probabilities=scorer == "learned")
            for scorer, column in SCORERS.items()
            if scorer != "learned" or estimator is not None
        ]
        results.append(PopulationResult(name, description, len(members), int(labels.sum()),
                                         float(labels.mean()), metrics))
    return BacktestReport(start, end, period_start_at, period_end_at, data_as_of, policy.horizon_days,
                          label_definition(policy.horizon_days), summary, results)
