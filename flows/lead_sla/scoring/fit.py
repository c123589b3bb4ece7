"""Fit: how well a lead matches the ideal customer profile in force, with each rule's points.

The rule lives in the dbt project (one model computes it): ``marts.dim_lead_fit_history`` holds each
lead's fit as a nightly run would have known it, interval by interval (ICP version in force,
points, score, tier, profile completeness), and ``marts.fct_lead_fit_contributions`` the rules
matched in each interval. Scoring only looks up, for each anchor, the interval holding its
instant: ``valid_from <= anchor_at < valid_to``. An anchor before the lead's first interval (before
the first ICP version, or before the lead was known) has no fit: version and tier null, 0 points.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lead_sla.scoring.inputs import ANCHORS, FIT_CONTRIBUTIONS, FIT_HISTORY

ATTRIBUTE_NAMES = {
    "industry": "Industry",
    "company_size": "Company size",
    "annual_revenue": "Annual revenue",
    "need": "Need",
    "seniority": "Seniority",
    "country": "Country",
    "job_title": "Job title",
}

SUMMARY_SQL = f"""
select
    anchors.row_id,
    fit.icp_version,
    cast(coalesce(fit.fit_points, 0) as integer) as fit_points,
    cast(coalesce(fit.fit_score, 0) as double) as fit_score,
    fit.icp_tier,
    cast(coalesce(fit.profile_completeness, 0) as double) as profile_completeness
from {ANCHORS} as anchors
left join {FIT_HISTORY} as fit
    on fit.lead_id = anchors.lead_id
    and fit.valid_from <= anchors.anchor_at
    and (fit.valid_to is null or anchors.anchor_at < fit.valid_to)
order by anchors.row_id
"""

CONTRIBUTIONS_SQL = f"""
select anchors.row_id, rules.icp_version, rules.rule_id, rules.attribute, rules.attribute_value,
       cast(rules.points as integer) as points, rules.label
from {ANCHORS} as anchors
inner join {FIT_CONTRIBUTIONS} as rules
    on rules.lead_id = anchors.lead_id
    and rules.valid_from <= anchors.anchor_at
    and (rules.valid_to is null or anchors.anchor_at < rules.valid_to)
order by anchors.row_id, rules.points desc, rules.rule_id
"""


def fit_for_anchors(conn: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit of every anchor in :data:`~lead_sla.scoring.inputs.ANCHORS`, as dbt computed it.

    Returns ``(summary, contributions)``: ``summary`` has one row per anchor (``row_id,
    icp_version, fit_points, fit_score, icp_tier, profile_completeness``; ``icp_version`` null
    and fit 0 before the first ICP version); ``contributions`` one row per matched rule
    (``row_id, icp_version, rule_id, attribute, attribute_value, points, label``), largest first.
    """
    return conn.execute(SUMMARY_SQL).df(), conn.execute(CONTRIBUTIONS_SQL).df()


def describe_value(value: str) -> str:
    """A vocabulary value as people write it: ``lead_routing`` becomes ``lead routing``."""
    return str(value).replace("_", " ")


def fit_reason(attribute: str, value: str, points: int) -> str:
    """Plain words for one matched rule: ``Industry: software (+25)``."""
    name = ATTRIBUTE_NAMES.get(attribute, describe_value(attribute).capitalize())
    return f"{name}: {describe_value(value)} (+{int(points)})"
