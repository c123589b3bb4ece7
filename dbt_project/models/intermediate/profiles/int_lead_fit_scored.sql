{#- One row per lead and interval during which its fit did not change, with the profile in force at
    each instant and everything known by the build day: the `in_force` timeline of
    int_lead_fit_timelines, where the fit rule lives. -#}

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
where profile_timeline = 'in_force'
