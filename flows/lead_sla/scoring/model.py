"""The learned conversion probability ``p_convert``: training set, model, validation, registry.

Training rows are anchors of the warehouse's history (see :mod:`lead_sla.scoring.inputs`): each
lead at the end of the day it became known, and each handoff at its instant, described only by
what was known then (:func:`lead_sla.scoring.features.score_anchors`). Label: the lead became a
customer within ``horizon_days`` of the anchor (a handoff's conversion must also come before the
lead's next handoff). A row's outcome is known once it *matures*, at anchor + horizon: a model
trained with cut-off T uses only rows matured before T, so no feature or outcome from after T
can reach it, and every period's conversion rate stays unbiased.

The model is a standardised logistic regression (scikit-learn, fixed ``random_state``). It is
used only when the labelled history reaches the policy's minimum (by default 1,000 labelled
leads of which 100 converted); below it the flow falls back to the fit and engagement blend and
says so. Before the final fit on every matured row, a copy is trained on rows matured before the
last ``validation_days`` and validated on those that matured within them (a later period); the
metrics go into ``scoring.model_registry`` with the version, the training window, the features,
the coefficients and the fitted pipeline itself (joblib bytes).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from lead_sla.scoring.features import FEATURES, score_anchors
from lead_sla.scoring.metrics import ScorerMetrics, evaluate
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.inputs import history_anchors
from lead_sla.scoring.tables import MODEL_REGISTRY

ALGORITHM = "logistic_regression"
HYPERPARAMETERS: dict[str, object] = {"C": 0.3, "solver": "lbfgs", "max_iter": 5000, "random_state": 0}



def label_definition(horizon_days: int) -> str:
    """The label in words, as stored with every model."""
    return (
        f"became a customer within {horizon_days} days after the anchor (a lead at the end of its first "
        "known day, or a handoff; a handoff's conversion must come before the lead's next handoff)"
    )


@dataclass(frozen=True)
class LabelCounts:
    """Size of a labelled set: rows, distinct leads, and distinct leads that converted."""

    rows: int
    leads: int
    conversions: int
    positive_rows: int

    @classmethod
    def of(cls, rows: pd.DataFrame) -> LabelCounts:
        positives = rows[rows["label"] == 1]
        return cls(
            rows=len(rows),
            leads=int(rows["lead_id"].nunique()),
            conversions=int(positives["lead_id"].nunique()),
            positive_rows=len(positives),
        )

    def meets(self, min_labelled_leads: int, min_conversions: int) -> bool:
        """Enough history to learn from (and both outcomes present)."""
        return (
            self.leads >= min_labelled_leads
            and self.conversions >= min_conversions
            and 0 < self.positive_rows < self.rows
        )


@dataclass(frozen=True)
class ValidationResult:
    """The later-period check of a model trained on rows matured before ``cutoff_at``."""

    cutoff_at: datetime
    end_at: datetime
    training: LabelCounts
    metrics: ScorerMetrics | None
    note: str


@dataclass(frozen=True)
class TrainedModel:
    """A fitted model and everything the registry stores about it."""

    model_version: str
    trained_for_date: date
    training_cutoff_at: datetime
    horizon_days: int
    counts: LabelCounts
    training_window_start: datetime
    training_window_end: datetime
    validation: ValidationResult
    estimator: Pipeline

    @property
    def coefficients(self) -> dict[str, object]:
        """Intercept and, per feature, the standardisation and the coefficient."""
        scaler: StandardScaler = self.estimator.named_steps["scale"]
        regression: LogisticRegression = self.estimator.named_steps["model"]
        return {
            "intercept": float(regression.intercept_[0]),
            "features": {
                name: {"coef": float(coef), "mean": float(mean), "scale": float(scale)}
                for name, coef, mean, scale in zip(FEATURES, regression.coef_[0], scaler.mean_, scaler.scale_)
            },
        }


@dataclass(frozen=True)
class ModelDecision:
    """Whether the learned model is used for a day, and why (the line the flow logs)."""

    status: str  # "trained" or "insufficient_history"
    message: str
    counts: LabelCounts
    model: TrainedModel | None


def make_estimator() -> Pipeline:
    """A fresh, unfitted pipeline: standardisation then logistic regression."""
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(**HYPERPARAMETERS))])


def fit_estimator(rows: pd.DataFrame) -> Pipeline:
    """Fit a new pipeline on labelled ``rows`` (ordered by ``row_id`` for reproducibility)."""
    ordered = rows.sort_values("row_id", kind="stable")
    return make_estimator().fit(ordered[list(FEATURES)].to_numpy(dtype="float64"), ordered["label"].to_numpy())


def predict(estimator: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """``p_convert`` for each row of ``frame`` (which holds the :data:`FEATURES` columns)."""
    return estimator.predict_proba(frame[list(FEATURES)].to_numpy(dtype="float64"))[:, 1]


def labelled_history(conn: duckdb.DuckDBPyConnection, timezone: str, horizon_days: int) -> pd.DataFrame:
    """Every history anchor with its label, ``matures_at`` and its features as known at the anchor."""
    anchors = history_anchors(conn, timezone, horizon_days)
    scored = score_anchors(conn, anchors)
    return scored.summary.merge(anchors[["row_id", "label", "matures_at"]], on="row_id", how="inner")


def matured_before(rows: pd.DataFrame, instant: datetime) -> pd.DataFrame:
    """The rows whose outcome was known before ``instant``."""
    return rows[rows["matures_at"] < pd.Timestamp(instant)]


def train_model(rows: pd.DataFrame, *, cutoff_at: datetime, trained_for_date: date, policy: ModelPolicy) -> ModelDecision:
    """Train ``p_convert`` on the rows matured before ``cutoff_at``, or decline below the policy's minimum."""
    labelled = matured_before(rows, cutoff_at)
    counts = LabelCounts.of(labelled)
    if not counts.meets(policy.min_labelled_leads, policy.min_conversions):
        message = (
            f"{counts.leads:,} labelled leads ({counts.conversions:,} converted within {policy.horizon_days} days) "
            f"known before {cutoff_at:%Y-%m-%d %H:%M} UTC; the learned model needs at least "
            f"{policy.min_labelled_leads:,} and {policy.min_conversions:,}: falling back to fit and engagement"
        )
        return ModelDecision("insufficient_history", message, counts, None)

    validation = validate(rows, cutoff_at - timedelta(days=policy.validation_days), cutoff_at)
    estimator = fit_estimator(labelled)
    model = TrainedModel(
        model_version=model_version(trained_for_date, labelled, policy),
        trained_for_date=trained_for_date,
        training_cutoff_at=cutoff_at,
        horizon_days=policy.horizon_days,
        counts=counts,
        training_window_start=pd.Timestamp(labelled["anchor_at"].min()).to_pydatetime(),
        training_window_end=pd.Timestamp(labelled["anchor_at"].max()).to_pydatetime(),
        validation=validation,
        estimator=estimator,
    )
    auc = validation.metrics.roc_auc if validation.metrics else None
    message = (
        f"trained {model.model_version} on {counts.rows:,} rows ({counts.leads:,} labelled leads, "
        f"{counts.conversions:,} converted); validation ROC AUC "
        + (f"{auc:.3f}" if auc is not None else f"n/a ({validation.note})")
    )
    return ModelDecision("trained", message, counts, model)


def validate(rows: pd.DataFrame, cutoff_at: datetime, end_at: datetime) -> ValidationResult:
    """Train on rows matured before ``cutoff_at``; measure on those that matured in ``[cutoff_at, end_at)``."""
    training = matured_before(rows, cutoff_at)
    later = rows[(rows["matures_at"] >= pd.Timestamp(cutoff_at)) & (rows["matures_at"] < pd.Timestamp(end_at))]
    later = later.sort_values("row_id", kind="stable")
    train_counts = LabelCounts.of(training)
    if train_counts.positive_rows == 0 or train_counts.positive_rows == train_counts.rows:
        return ValidationResult(cutoff_at, end_at, train_counts, None,
                                "both outcomes are needed among rows matured before the validation period")
    if later.empty:
        return ValidationResult(cutoff_at, end_at, train_counts, None, "no row matured in the validation period")
    metrics = evaluate("learned", predict(fit_estimator(training), later), later["label"].to_numpy(),
                       probabilities=True)
    note = "" if metrics.roc_auc is not None else "the validation period holds a single outcome"
    return ValidationResult(cutoff_at, end_at, train_counts, metrics, note)


def model_version(trained_for_date: date, labelled: pd.DataFrame, policy: ModelPolicy) -> str:
    """A version that changes with the training data or settings and is the same on a rerun."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"algorithm": ALGORITHM, "hyperparameters": HYPERPARAMETERS, "features": FEATURES,
                              "horizon_days": policy.horizon_days}, sort_keys=True).encode())
    ordered = labelled.sort_values("row_id", kind="stable")
    digest.update(ordered[["row_id", "label", *FEATURES]].to_csv(index=False, float_format="%.9g").encode())
    return f"pconv-lr-{trained_for_date:%Y%m%d}-{digest.hexdigest()[:10]}"


def serialize_estimator(estimator: Pipeline) -> bytes:
    """The fitted pipeline as joblib bytes (stored in the registry)."""
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    return buffer.getvalue()


def save_model(conn: duckdb.DuckDBPyConnection, model: TrainedModel) -> None:
    """Write ``model`` to ``scoring.model_registry``, replacing any model trained for the same day (one transaction)."""
    artefact = serialize_estimator(model.estimator)
    metrics = model.validation.metrics
    row = {
        "model_version": model.model_version,
        "trained_for_date": model.trained_for_date,
        "algorithm": ALGORITHM,
        "label_definition": label_definition(model.horizon_days),
        "horizon_days": model.horizon_days,
        "features": json.dumps(list(FEATURES)),
        "hyperparameters": json.dumps(HYPERPARAMETERS, sort_keys=True),
        "training_cutoff_at": model.training_cutoff_at,
        "training_window_start": model.training_window_start,
        "training_window_end": model.training_window_end,
        "training_rows": model.counts.rows,
        "training_leads": model.counts.leads,
        "training_conversions": model.counts.conversions,
        "validation_cutoff_at": model.validation.cutoff_at,
        "validation_end_at": model.validation.end_at,
        "validation_rows": metrics.rows if metrics else None,
        "validation_conversions": metrics.conversions if metrics else None,
        "validation_base_rate": metrics.base_rate if metrics else None,
        "validation_roc_auc": metrics.roc_auc if metrics else None,
        "validation_top_decile_rate": metrics.top_decile_rate if metrics else None,
        "validation_top_decile_lift": metrics.top_decile_lift if metrics else None,
        "validation_calibration": json.dumps([vars(b) for b in metrics.calibration]) if metrics else None,
        "validation_note": model.validation.note or None,
        "coefficients": json.dumps(model.coefficients, sort_keys=True),
        "sklearn_version": sklearn.__version__,
        "artefact": artefact,
        "artefact_sha256": hashlib.sha256(artefact).hexdigest(),
    }
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute("begin transaction")
    try:
        conn.execute(f"delete from {MODEL_REGISTRY} where trained_for_date = ? or model_version = ?",
                     [model.trained_for_date, model.model_version])
        conn.execute(f"insert into {MODEL_REGISTRY} ({columns}) values ({marks})", list(row.values()))
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def load_estimator(conn: duckdb.DuckDBPyConnection, version: str) -> Pipeline:
    """The fitted pipeline of registered model ``version``."""
    rows = conn.execute(f"select artefact from {MODEL_REGISTRY} where model_version = ?", [version]).fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise LookupError(f"no model {version!r} in {MODEL_REGISTRY}")
    return joblib.load(io.BytesIO(bytes(row[0])))
