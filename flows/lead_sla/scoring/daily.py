"""One day's scoring: decide on the learned model, score every open lead, rank each owner's list.

These are the plain functions behind the Prefect flow :mod:`lead_sla.flows.scoring`; each takes
an open warehouse connection. :func:`decide_model` trains (or declines to train) the model for
a day; :func:`score_day` computes ``scoring.lead_scores``, ``scoring.lead_score_contributions``,
``scoring.lead_priority_list`` and ``scoring.leads_needing_owner`` for the day and makes the four
tables hold that day, in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from lead_sla.scoring.features import score_anchors
from lead_sla.scoring.model import ModelDecision, labelled_history, load_estimator, predict, save_model, train_model
from lead_sla.scoring.priority import build_priority_list, needs_owner_list, owners, sla_clocks
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.inputs import LEADS, open_lead_anchors, require_marts_of_day
from lead_sla.scoring.tables import CONTRIBUTIONS, LEAD_SCORES, NEEDS_OWNER, PRIORITY_LIST, ensure_scoring_schema, write_day

logger = logging.getLogger(__name__)

LEARNED = "learned"
FALLBACK = "fit_engagement"


@dataclass(frozen=True)
class ModelChoice:
    """Which model scores a day (``model_version`` ``None``: the fallback), and why."""

    model_version: str | None
    status: str
    message: str


@dataclass(frozen=True)
class ScoredDay:
    """What scoring a day wrote."""

    score_date: date
    scored_as_of: datetime
    score_basis: str
    model_version: str | None
    leads_scored: int
    owners_listed: int
    rows_written: dict[str, int]

    @property
    def tables(self) -> list[str]:
        return list(self.rows_written)


def decide_model(conn: duckdb.DuckDBPyConnection, day: date, timezone: str, policy: ModelPolicy) -> ModelDecision:
    """Train ``p_convert`` for ``day`` on outcomes known by its end, or decline below the minimum."""
    as_of = require_marts_of_day(conn, day, timezone)
    rows = labelled_history(conn, timezone, policy.horizon_days)
    return train_model(rows, cutoff_at=as_of, trained_for_date=day, policy=policy)


def train_for_day(conn: duckdb.DuckDBPyConnection, day: date, timezone: str, policy: ModelPolicy) -> ModelChoice:
    """:func:`decide_model`, registering a trained model in ``scoring.model_registry``; logs the decision."""
    ensure_scoring_schema(conn)
    decision = decide_model(conn, day, timezone, policy)
    if decision.model is None:
        logger.warning("scoring %s: %s", day, decision.message)
        return ModelChoice(None, decision.status, decision.message)
    save_model(conn, decision.model)
    logger.info("scoring %s: %s", day, decision.message)
    return ModelChoice(decision.model.model_version, decision.status, decision.message)


def lead_name(first_name: object, last_name: object, email: object, lead_id: object) -> str:
    """How a person is called on a list: their name, else their e-mail, else the lead id."""
    parts = [str(p).strip() for p in (first_name, last_name) if p is not None and not pd.isna(p) and str(p).strip()]
    if parts:
        return " ".join(parts)
    if email is not None and not pd.isna(email) and str(email).strip():
        return str(email).strip()
    return str(lead_id)


def day_frames(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    timezone: str,
    *,
    estimator: Pipeline | None,
    model_version: str | None,
    model_status: str,
) -> dict[str, pd.DataFrame]:
    """The rows of the day tables for ``day`` (nothing written)."""
    as_of = require_marts_of_day(conn, day, timezone)
    anchors = open_lead_anchors(conn, day, timezone)
    scored = score_anchors(conn, anchors)
    leads = conn.execute(
        f"""
        select cast(lead_id as varchar) as lead_id, contact_id, owner_id, lifecycle_stage, email,
               first_name, last_name, company_name
        from {LEADS}
        """
    ).df()
    frame = scored.summary.merge(leads, on="lead_id", how="left", validate="one_to_one")
    frame["lead_name"] = [lead_name(*values) for values in
                          zip(frame["first_name"], frame["last_name"], frame["email"], frame["lead_id"])]
    if estimator is not None:
        frame["p_convert"] = predict(estimator, frame) if len(frame) else np.array([], dtype="float64")
        frame["priority_score"] = 100.0 * frame["p_convert"]
        frame["score_basis"] = LEARNED
    else:
        frame["p_convert"] = np.nan
        frame["priority_score"] = frame["combined_score"]
        frame["score_basis"] = FALLBACK
    frame["model_version"] = model_version
    frame["model_status"] = model_status
    frame["score_date"] = pd.Timestamp(day)
    frame["scored_as_of"] = pd.Timestamp(as_of)
    frame["is_handed_off"] = frame["is_handed_off"].astype(bool)

    lead_scores = frame[[
        "score_date", "lead_id", "contact_id", "owner_id", "lifecycle_stage", "scored_as_of", "icp_version",
        "fit_points", "fit_score", "icp_tier", "profile_completeness", "engagement_points", "engagement_score",
        "combined_score", "p_convert", "priority_score", "score_basis", "model_version", "model_status",
        "is_handed_off",
    ]]

    fit = scored.fit_contributions.rename(columns={"row_id": "lead_id"})
    engagement = scored.engagement_contributions.rename(columns={"row_id": "lead_id"})
    contributions = _contributions(day, fit, engagement)

    clocks = sla_clocks(conn)
    listed = build_priority_list(frame, clocks, fit, engagement, owners(conn), as_of=as_of)
    listed.insert(0, "score_date", pd.Timestamp(day))
    unowned = needs_owner_list(conn, frame)
    unowned.insert(0, "score_date", pd.Timestamp(day))
    return {LEAD_SCORES: lead_scores, CONTRIBUTIONS: contributions, PRIORITY_LIST: listed, NEEDS_OWNER: unowned}


def _contributions(day: date, fit: pd.DataFrame, engagement: pd.DataFrame) -> pd.DataFrame:
    fit_rows = pd.DataFrame({
        "lead_id": fit["lead_id"],
        "component": "fit",
        "item": fit["rule_id"],
        "attribute": fit["attribute"],
        "attribute_value": fit["attribute_value"],
        "label": fit["label"],
        "points": fit["points"].astype("float64"),
        "raw_points": fit["points"].astype("float64"),
        "events": pd.array([None] * len(fit), dtype="Int64"),
        "last_event_at": pd.Series(pd.NaT, index=fit.index, dtype="datetime64[us]"),
    })
    engagement_rows = pd.DataFrame({
        "lead_id": engagement["lead_id"],
        "component": "engagement",
        "item": engagement["signal"],
        "attribute": None,
        "attribute_value": None,
        "label": None,
        "points": engagement["score_points"].astype("float64"),
        "raw_points": engagement["points"].astype("float64"),
        "events": engagement["events"].astype("Int64"),
        "last_event_at": pd.to_datetime(engagement["last_event_at"]),
    })
    rows = pd.concat([fit_rows, engagement_rows], ignore_index=True)
    rows = rows.sort_values(["lead_id", "component", "points", "item"], ascending=[True, True, False, True],
                            kind="stable").reset_index(drop=True)
    rows["contribution_rank"] = rows.groupby(["lead_id", "component"]).cumcount() + 1
    rows.insert(0, "score_date", pd.Timestamp(day))
    return rows


def score_day(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    timezone: str,
    *,
    model_version: str | None = None,
    model_status: str = "no learned model requested",
) -> ScoredDay:
    """Score every open lead as of the end of ``day`` and replace the day's rows in one transaction.

    With ``model_version`` the registered model gives ``p_convert`` and the lists rank by it;
    without, ``p_convert`` is null and the lists rank by the fit and engagement blend.
    """
    ensure_scoring_schema(conn)
    estimator = load_estimator(conn, model_version) if model_version else None
    frames = day_frames(conn, day, timezone, estimator=estimator, model_version=model_version,
                        model_status=model_status)
    written = write_day(conn, day, frames)
    listed = frames[PRIORITY_LIST]
    return ScoredDay(
        score_date=day,
        scored_as_of=pd.Timestamp(frames[LEAD_SCORES]["scored_as_of"].iloc[0]).to_pydatetime()
        if len(frames[LEAD_SCORES]) else require_marts_of_day(conn, day, timezone),
        score_basis=LEARNED if estimator is not None else FALLBACK,
        model_version=model_version,
        leads_scored=len(frames[LEAD_SCORES]),
        owners_listed=int(listed["owner_id"].nunique()),
        rows_written=written,
    )
