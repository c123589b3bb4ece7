{#- One row per lead and interval during which its fit, as a nightly run would have known it, did
    not change: the `as_known` timeline of int_lead_fit_timelines. The fit a run on day D saw at
    instant T of that day is the row with valid_from <= T < coalesce(valid_to, infinity). -#}

select
    fit_interval_id,
    lead_id,
    contact_id,
    valid_from,
    valid_to,
    icp_version,
    fit_points,
    fit_score,
    icp_tier,
    profile_completeness,
    matched_rule_ids
from {{ ref('int_lead_fit_timelines') }}
where profile_timeline = 'as_known'
