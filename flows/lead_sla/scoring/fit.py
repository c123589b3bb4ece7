"""Fit: how well a lead matches the ideal customer profile in force, with each rule's points.

The ICP version that judges an anchor is the one in force on the anchor's reporting day
(``effective_from <= day < effective_to``), the same rule the marts use. The profile is the one
known at the anchor: per attribute, the latest interval of ``marts.dim_lead_profile_history`` that
started at or before the anchor instant and was known (``known_on``) by the anchor's day.
A rule matches when the lead's attribute equals one of the rule's values and contributes its
points; ``fit_score = min(100, sum of points)`` (0 to 100); the tier follows the version's
cut-offs; ``profile_completeness`` is the share of the version's attributes that are known.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lead_sla.scoring.sources import ANCHORS, ICP_RULES, ICP_VERSIONS, PROFILE_HISTORY

ATTRIBUTE_NAMES = {
    "industry": "Industry",
    "company_size": "Company size",
    "annual_revenue": "Annual revenue",
    "need": "Need",
    "seniority": "Seniority",
    "country": "Country",
    "job_title": "Job title",
}

_FIT_SQL = f"""
with anchor_versions as (
    select anchors.row_id, anchors.lead_id, anchors.anchor_at, anchors.anchor_date, versions.icp_version,
           versions.tier_a_min_points, versions.tier_b_min_points
    from {ANCHORS} as anchors
    left join {ICP_VERSIONS} as versions
        on versions.effective_from <= anchors.anchor_date
        and (versions.effective_to is null or anchors.anchor_date < versions.effective_to)
),
profile as (
    select anchor_versions.row_id, anchor_versions.icp_version, history.attribute, history.attribute_value
    from anchor_versions
    inner join {PROFILE_HISTORY} as history
        on history.lead_id = anchor_versions.lead_id
        and history.valid_from <= anchor_versions.anchor_at
        and history.known_on <= anchor_versions.anchor_date
    -- the value as known on the anchor's day: the latest interval known by then (a value observed
    -- earlier but exported after the anchor's day does not leak into it)
    qualify row_number() over (
        partition by anchor_versions.row_id, history.attribute
        order by history.valid_from desc, history.attribute_value
    ) = 1
)
"""

CONTRIBUTIONS_SQL = _FIT_SQL + f"""
select profile.row_id, profile.icp_version, rules.rule_id, rules.attribute, rules.attribute_value,
       cast(rules.points as integer) as points, rules.label
from profile
inner join {ICP_RULES} as rules
    on rules.icp_version = profile.icp_version
    and rules.attribute = profile.attribute
    and rules.attribute_value = profile.attribute_value
order by profile.row_id, rules.points desc, rules.rule_id
"""

SUMMARY_SQL = _FIT_SQL + f"""
, icp_attributes as (
    select distinct icp_version, attribute from {ICP_RULES}
),
attribute_counts as (
    select icp_version, count(*) as attribute_count from icp_attributes group by icp_version
),
known as (
    select profile.row_id, count(*) as known_count
    from profile
    inner join icp_attributes
        on icp_attributes.icp_version = profile.icp_version and icp_attributes.attribute = profile.attribute
    group by profile.row_id
),
points as (
    select profile.row_id, sum(rules.points) as fit_points
    from profile
    inner join {ICP_RULES} as rules
        on rules.icp_version = profile.icp_version
        and rules.attribute = profile.attribute
        and rules.attribute_value = profile.attribute_value
    group by profile.row_id
)
select
    anchor_versions.row_id,
    anchor_versions.icp_version,
    cast(coalesce(points.fit_points, 0) as integer) as fit_points,
    cast(least(100, coalesce(points.fit_points, 0)) as double) as fit_score,
    case
        when anchor_versions.icp_version is null then null
        when coalesce(points.fit_points, 0) >= anchor_versions.tier_a_min_points then 'A'
        when coalesce(points.fit_points, 0) >= anchor_versions.tier_b_min_points then 'B'
        else 'C'
    end as icp_tier,
    case
        when attribute_counts.attribute_count > 0
            then cast(coalesce(known.known_count, 0) as double) / attribute_counts.attribute_count
        else 0.0
    end as profile_completeness
from anchor_versions
left join points on points.row_id = anchor_versions.row_id
left join known on known.row_id = anchor_versions.row_id
left join attribute_counts on attribute_counts.icp_version = anchor_versions.icp_version
order by anchor_versions.row_id
"""


def fit_for_anchors(conn: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit of every anchor in :data:`~lead_sla.scoring.sources.ANCHORS`.

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
