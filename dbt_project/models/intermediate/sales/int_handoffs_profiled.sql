{#- One row per handoff with what the agreement judges it by, as it stood at the handoff: the SLA
    version in force on the handoff day (reporting zone) and its commitments, the lead's company
    size band, segment, ICP tier and fit at the handoff, whether it requested a demo, its priority
    and first-touch target, the lead value it carries, and how it ended. Sales (fct_sales_sla) and
    marketing (fct_marketing_sla) read the same row, so both judge a handoff alike.

    "At the handoff" means the profile value in force at that instant, with everything known by
    the build day: a form submitted before the handoff but exported later still counts. -#}

with handoffs as (

    select
        handoffs.*,
        {{ reporting_date('handoffs.handed_off_at') }} as handoff_date
    from {{ ref('int_handoffs_sequenced') }} as handoffs

),

days as (

    select calendar_date, month_start, sla_version as month_sla_version
    from {{ ref('int_marketing_days_classified') }}

),

sla_versions as (

    select * from {{ ref('stg_agreement__sla_versions') }}

),

size_history as (

    select lead_id, attribute_value as company_size_band, valid_from, valid_to
    from {{ ref('int_lead_profiles_historized') }}
    where attribute = 'company_size'

),

fit as (

    select lead_id, icp_version, icp_tier, fit_score, valid_from, valid_to
    from {{ ref('int_lead_fit_scored') }}

),

-- demo-request forms of the handoff: at or before it, after the contact's previous handoff
demo_requests as (

    select handoffs.handoff_id, count(*) as demo_requests
    from handoffs
    inner join {{ ref('int_identities_stitched') }} as identities
        on handoffs.contact_id = identities.contact_id
        and identities.identifier_type = 'email'
    inner join {{ ref('stg_marketing__form_submissions') }} as forms
        on identities.identifier = forms.email
        and forms.form_type = 'demo_request'
        and forms.submitted_at <= handoffs.handed_off_at
        and (handoffs.previous_handoff_at is null or forms.submitted_at > handoffs.previous_handoff_at)
    group by handoffs.handoff_id

),

profiled as (

    select
        handoffs.handoff_id,
        handoffs.contact_id,
        handoffs.handoff_number,
        handoffs.handed_off_at,
        handoffs.handoff_date,
        days.month_start as handoff_month,
        handoffs.known_on,
        handoffs.previous_handoff_at,
        handoffs.next_handoff_at,
        sla_versions.sla_version,
        sla_versions.routing_limit_business_minutes,
        sla_versions.min_attempts,
        sla_versions.attempt_window_business_days,
        sla_versions.acceptance_window_days,
        sla_versions.recently_overdue_business_days,
        sla_versions.untouched_after_business_days,
        sla_versions.untouched_action,
        {{ seconds_of_day('sla_versions.default_work_end') }} - {{ seconds_of_day('sla_versions.default_work_start') }}
            as default_day_seconds,
        days.month_sla_version,
        size_history.company_size_band,
        coalesce(segments.segment, 'unknown') as segment,
        fit.icp_version,
        fit.icp_tier,
        fit.fit_score,
        cast(win_rates.win_probability * win_rates.average_deal_size as decimal(18, 2)) as lead_value,
        coalesce(demo_requests.demo_requests, 0) > 0 as has_requested_demo,
        handoffs.outcome,
        handoffs.outcome_stage,
        handoffs.outcome_at,
        handoffs.outcome_lead_status
    from handoffs
    left join days
        on handoffs.handoff_date = days.calendar_date
    left join sla_versions
        on handoffs.handoff_date >= sla_versions.effective_from
        and (sla_versions.effective_to is null or handoffs.handoff_date < sla_versions.effective_to)
    left join size_history
        on handoffs.contact_id = size_history.lead_id
        and size_history.valid_from <= handoffs.handed_off_at
        and (size_history.valid_to is null or handoffs.handed_off_at < size_history.valid_to)
    -- marketing is judged per month: segments come from the version in force on the month's first day
    left join {{ ref('stg_agreement__segments') }} as segments
        on days.month_sla_version = segments.sla_version
        and size_history.company_size_band = segments.company_size_band
    left join fit
        on handoffs.contact_id = fit.lead_id
        and fit.valid_from <= handoffs.handed_off_at
        and (fit.valid_to is null or handoffs.handed_off_at < fit.valid_to)
    left join {{ ref('stg_agreement__icp_win_rates') }} as win_rates
        on fit.icp_version = win_rates.icp_version
        and fit.icp_tier = win_rates.tier
    left join demo_requests
        on handoffs.handoff_id = demo_requests.handoff_id

),

-- the commitment: the first priority the handoff qualifies for, in the version's order
targets as (

    select
        profiled.handoff_id,
        targets.priority,
        targets.business_minutes,
        row_number() over (partition by profiled.handoff_id order by targets.priority_rank) as match_rank
    from profiled
    inner join {{ ref('stg_agreement__sla_response_targets') }} as targets
        on profiled.sla_version = targets.sla_version
    where (targets.priority = 'demo_request' and profiled.has_requested_demo)
        or (targets.priority = 'tier_a' and profiled.icp_tier = 'A')
        or targets.priority = 'other'

)

select
    profiled.*,
    targets.priority,
    targets.business_minutes as sla_target_business_minutes,
    case
        when profiled.outcome = 'accepted'
            and profiled.outcome_at <= {{ dbt.dateadd('day', 'profiled.acceptance_window_days', 'profiled.handed_off_at') }}
            then profiled.outcome_at
    end as accepted_within_window_at,
    case when profiled.outcome = 'disqualified' then coalesce(profiled.outcome_lead_status, 'unspecified') end
        as rejection_reason
from profiled
left join targets
    on profiled.handoff_id = targets.handoff_id
    and targets.match_rank = 1
