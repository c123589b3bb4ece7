"""How well a score ranks and predicts conversions: ROC AUC, the top decile, a calibration table.

Shared by the nightly model's validation and the backtest, so both report the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    """One equal-count bin of rows ordered by score (bin 1 holds the lowest scores)."""

    bin: int
    rows: int
    score_min: float
    score_max: float
    mean_score: float
    predicted_rate: float | None  # mean predicted probability, for probability scorers only
    conversions: int
    observed_rate: float


@dataclass(frozen=True)
class ScorerMetrics:
    """One scorer on one set of labelled rows."""

    scorer: str
    rows: int
    conversions: int
    base_rate: float
    roc_auc: float | None  # None when the rows hold a single class
    top_decile_rows: int
    top_decile_conversions: int
    top_decile_rate: float
    top_decile_lift: float | None  # top-decile rate / base rate; None when the base rate is 0
    calibration: list[CalibrationBin] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def evaluate(
    scorer: str,
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    probabilities: bool,
    bins: int = CALIBRATION_BINS,
) -> ScorerMetrics:
    """Metrics of ``scores`` against 0/1 ``labels`` (same order; ties keep the given row order).

    The top decile is the ``ceil(n / 10)`` highest-scored rows. The calibration table splits
    the rows, ordered by score, into ``bins`` bins of (nearly) equal size; ``predicted_rate``
    is filled for probability scorers.
    """
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels, dtype="int64")
    if scores.shape != labels.shape:
        raise ValueError("scores and labels differ in length")
    n = int(labels.size)
    if n == 0:
        raise ValueError(f"no rows to evaluate {scorer} on")
    conversions = int(labels.sum())
    base_rate = conversions / n
    auc = float(roc_auc_score(labels, scores)) if 0 < conversions < n else None

    descending = np.argsort(-scores, kind="stable")
    top_n = math.ceil(n / 10)
    top_conversions = int(labels[descending[:top_n]].sum())
    top_rate = top_conversions / top_n
    lift = top_rate / base_rate if base_rate > 0 else None

    ascending = np.argsort(scores, kind="stable")
    table: list[CalibrationBin] = []
    for number, members in enumerate(np.array_split(ascending, min(bins, n)), start=1):
        if members.size == 0:
            continue
        bin_scores, bin_labels = scores[members], labels[members]
        table.append(
            CalibrationBin(
                bin=number,
                rows=int(members.size),
                score_min=float(bin_scores.min()),
                score_max=float(bin_scores.max()),
                mean_score=float(bin_scores.mean()),
                predicted_rate=float(bin_scores.mean()) if probabilities else None,
                conversions=int(bin_labels.sum()),
                observed_rate=float(bin_labels.mean()),
            )
        )
    return ScorerMetrics(
        scorer=scorer,
        rows=n,
        conversions=conversions,
        base_rate=base_rate,
        roc_auc=auc,
        top_decile_rows=top_n,
        top_decile_conversions=top_conversions,
        top_decile_rate=top_rate,
        top_decile_lift=lift,
        calibration=table,
    )
