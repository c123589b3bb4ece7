"""Everything known about a lead at an anchor: fit, engagement, their blend, and model features.

:func:`score_anchors` computes, for any set of anchors, the transparent scores (fit 0–100,
engagement 0–100, ``combined_score = 0.6 * fit + 0.4 * engagement``) with their contributions,
and the learned model's features (:data:`FEATURES`). The nightly scoring, the training set and
the backtest all go through it, so a lead is described the same way wherever it is scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from lead_sla.scoring.engagement import SIGNALS, engagement_scores, signals_for_anchors
from lead_sla.scoring.fit import fit_for_anchors
from lead_sla.scoring.inputs import ANCHORS, LEADS, load_anchors

FIT_WEIGHT = 0.6
ENGAGEMENT_WEIGHT = 0.4

SIGNAL_FEATURES = tuple(f"signal_{signal.name}" for signal in SIGNALS)
FEATURES: tuple[str, ...] = (
    "fit_score",
    "profile_completeness",
    *SIGNAL_FEATURES,
    "is_handed_off",
    "is_sales_accepted",
)
"""The learned model's inputs, all as known at the anchor: the fit score (ICP version in force),
the share of ICP attributes known, ``log(1 + decayed count)`` of each engagement signal, and
whether the lead had been handed off to sales (reached mql) and accepted (reached sql)."""

_STAGES_SQL = f"""
select
    anchors.row_id,
    coalesce(leads.became_mql_at <= anchors.anchor_at, false) as is_handed_off,
    coalesce(leads.became_sql_at <= anchors.anchor_at, false) as is_sales_accepted
from {ANCHORS} as anchors
left join {LEADS} as leads
    on leads.lead_id = anchors.lead_id
order by anchors.row_id
"""


@dataclass(frozen=True)
class AnchorScores:
    """Scores of a set of anchors.

    ``summary``: one row per anchor with ``row_id, lead_id, anchor_kind, anchor_at,
    icp_version, fit_points, fit_score, icp_tier, profile_completeness, engagement_points,
    engagement_score, combined_score`` and every column of :data:`FEATURES`.
    ``fit_contributions``: one row per anchor and matched ICP rule.
    ``engagement_contributions``: one row per anchor and signal with events.
    """

    summary: pd.DataFrame
    fit_contributions: pd.DataFrame
    engagement_contributions: pd.DataFrame


def combined_score(fit_score: pd.Series | float, engagement_score: pd.Series | float) -> pd.Series | float:
    """The blend used when no learned model is available: 0.6 fit + 0.4 engagement (0–100)."""
    return FIT_WEIGHT * fit_score + ENGAGEMENT_WEIGHT * engagement_score


def score_anchors(conn: duckdb.DuckDBPyConnection, anchors: pd.DataFrame) -> AnchorScores:
    """Fit, engagement, combined score and model features of every anchor in ``anchors``.

    ``anchors`` needs ``row_id`` (unique), ``lead_id``, ``anchor_kind``, ``anchor_at`` (naive
    UTC) and ``anchor_date``. Only what was known at each anchor is used.
    """
    load_anchors(conn, anchors)
    fit_summary, fit_contributions = fit_for_anchors(conn)
    engagement_summary, engagement_contributions = engagement_scores(signals_for_anchors(conn))
    stages = conn.execute(_STAGES_SQL).df()

    decayed = engagement_contributions.pivot_table(
        index="row_id", columns="signal", values="decayed_events", aggfunc="sum", fill_value=0.0
    )
    decayed = decayed.reindex(columns=[signal.name for signal in SIGNALS], fill_value=0.0)
    decayed.columns = list(SIGNAL_FEATURES)
    signal_features = np.log1p(decayed.clip(lower=0.0)).reset_index()

    base = anchors[["row_id", "lead_id", "anchor_kind", "anchor_at"]].copy()
    base["row_id"] = base["row_id"].astype(str)
    summary = (
        base.merge(fit_summary, on="row_id", how="left")
        .merge(engagement_summary, on="row_id", how="left")
        .merge(stages, on="row_id", how="left")
        .merge(signal_features, on="row_id", how="left")
    )
    summary["fit_points"] = summary["fit_points"].fillna(0).astype("int64")
    for column in ("fit_score", "profile_completeness", "engagement_points", "engagement_score", *SIGNAL_FEATURES):
        summary[column] = summary[column].astype("float64").fillna(0.0)
    for column in ("is_handed_off", "is_sales_accepted"):
        summary[column] = summary[column].astype("boolean").fillna(False).astype("int64")
    summary["combined_score"] = combined_score(summary["fit_score"], summary["engagement_score"])
    summary = summary.sort_values("row_id", kind="stable").reset_index(drop=True)
    return AnchorScores(summary, fit_contributions, engagement_contributions)
