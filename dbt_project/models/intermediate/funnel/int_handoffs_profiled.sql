{#- One row per handoff (a lifecycle change into mql) with what marketing is judged on: the
    segment of the lead at the handoff (its company size band then, mapped by the SLA version
    judging the month; no known size = unknown), its ICP tier and fit at the handoff, the expected
    revenue it carries (lead value = win probability of its tier × average deal size, per ICP
    version), and whether sales accepted it within the acceptance window. -#}

with handoffs as (

    select
        handoffs.*,
        {{ reporting_date('handoffs.handed_off_at') }} as handoff_date
    from {{ ref('int_handoffs_sequenced') }} as handoffs

),

days as (

    select calendar_date, month_start, sla_version from {{ ref('int_marketing_days_classified') }}

),

sla_versions as (

    select sla_version, acceptance_window_days from {{ ref('stg_agreement__sla_versions') }}

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

profiled as (

    select
        handoffs.handoff_id,
        handoffs.contact_id,
        handoffs.handed_off_at,
        handoffs.handoff_date,
        days.month_start as handoff_month,
        handoffs.known_on,
        handoffs.handoff_number,
        days.sla_version,
        sla_versions.acceptance_window_days,
        size_history.company_size_band,
        coalesce(segments.segment, 'unknown') as segment,
        fit.icp_version,
        fit.icp_tier,
        fit.fit_score,
        cast(win_rates.win_probability * win_rates.average_deal_size as decimal(18, 2)) as lead_value,
        handoffs.outcome,
        handoffs.outcome_at,
        handoffs.outcome_known_on,
        handoffs.outcome_lead_status
    from handoffs
    left join days
        on handoffs.handoff_date = days.calendar_date
    left join sla_versions
        on days.sla_version = sla_versions.sla_version
    left join size_history
        on handoffs.contact_id = size_history.lead_id
        and size_history.valid_from <= handoffs.handed_off_at
        and (size_history.valid_to is null or handoffs.handed_off_at < size_history.valid_to)
    left join {{ ref('stg_agreement__segments') }} as segments
        on days.sla_version = segments.sla_version
        and size_history.company_size_band = segments.company_size_band
    left join fit
        on handoffs.contact_id = fit.lead_id
        and fit.valid_from <= handoffs.handed_off_at
        and (fit.valid_to is null or handoffs.handed_off_at < fit.valid_to)
    left join {{ ref('stg_agreement__icp_win_rates') }} as win_rates
        on fit.icp_version = win_rates.icp_version
        and fit.icp_tier = win_rates.tier

)

select
    profiled.*,
    case
        when outcome = 'accepted'
            and outcome_at <= {{ dbt.dateadd('day', 'acceptance_window_days', 'handed_off_at') }}
            then outcome_at
    end as accepted_within_window_at,
    case when outcome = 'disqualified' then coalesce(outcome_lead_status, 'unspecified') end as rejection_reason
from profiled
