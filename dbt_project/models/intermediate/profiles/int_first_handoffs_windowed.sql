{#- One row per first handoff in the ICP proposal's two windows and attribute of the ICP version
    in force on the build day: the value the lead had at its handoff ('unknown' when not known),
    whether the lead won, and the fit and tier the version in force then gave it.

    The windows end on the build day (reporting zone): the later period is its last
    `icp_proposal_later_days` days, the training window the `icp_proposal_training_days` days
    before them. The proposal is fitted on the training window only and checked on the later
    period, so the check is on leads it has not seen. -#}

{%- set later_days = var('icp_proposal_later_days') | int -%}
{%- set training_days = var('icp_proposal_training_days') | int -%}

with icp_attributes as (

    select distinct attribute
    from {{ ref('int_icp_rules_in_force') }}

),

first_handoffs as (

    select
        contact_id,
        handed_off_at,
        handoff_date,
        icp_version,
        icp_tier,
        fit_score,
        case
            when handoff_date > {{ dbt.dateadd('day', -later_days, run_date()) }} then 'later'
            else 'training'
        end as proposal_period
    from {{ ref('int_handoffs_profiled') }}
    where handoff_number = 1
        and icp_version is not null
        and handoff_date <= {{ run_date() }}
        and handoff_date > {{ dbt.dateadd('day', -(later_days + training_days), run_date()) }}

),

won_leads as (

    select distinct contact_id
    from {{ ref('stg_crm__deals') }}
    where is_latest and is_won and not is_deleted and contact_id is not null

)

select
    first_handoffs.contact_id,
    first_handoffs.handed_off_at,
    first_handoffs.handoff_date,
    first_handoffs.proposal_period,
    case when won_leads.contact_id is not null then 1 else 0 end as is_won,
    first_handoffs.icp_version as in_force_icp_version,
    first_handoffs.icp_tier as in_force_icp_tier,
    first_handoffs.fit_score as in_force_fit_score,
    icp_attributes.attribute,
    coalesce(history.attribute_value, 'unknown') as attribute_value
from first_handoffs
cross join icp_attributes
left join won_leads
    on first_handoffs.contact_id = won_leads.contact_id
left join {{ ref('int_lead_profiles_historized') }} as history
    on first_handoffs.contact_id = history.lead_id
    and icp_attributes.attribute = history.attribute
    and history.valid_from <= first_handoffs.handed_off_at
    and (history.valid_to is null or first_handoffs.handed_off_at < history.valid_to)
