{#- One row per handoff of a closed cohort: the follow-up sales gave it, as fct_sales_sla judged it,
    and what became of it within the outcome window. Nothing here re-judges the SLA: response times,
    attempts and the cadence are fct_sales_sla's (team view), the first touch's channel is the type
    of the handoff's first touch (int_handoff_activities_classified).

    - Population: every handoff except the excluded ones (spam, duplicates, do-not-contact: nobody
      was meant to follow them up).
    - Outcome window: outcome_window_days (SLA version of the handoff) from the handoff, and never
      past the lead's next handoff. Within it the lead reached sql (or a later stage), opportunity
      (or customer), and won (a won, not deleted deal closed in the window).
    - Cohort: the handoffs of one month (reporting zone) judged by one SLA version. It is closed once
      the window of a handoff at the month's last instant has ended by the end of the build day;
      handoffs of cohorts still open are left out, so no rate here can still move. -#}

{%- set weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] -%}

with handoffs as (

    select
        sla.handoff_id,
        sla.contact_id,
        sla.handed_off_at,
        sla.sla_version,
        profiled.handoff_month as cohort_month,
        coalesce(sla.icp_tier, 'unscored') as icp_tier,
        sla.first_touch_at,
        sla.response_business_minutes,
        sla.response_minutes,
        sla.attempts_in_window,
        sla.attempts_sla_status,
        versions.outcome_window_days,
        {{ dbt.dateadd('day', 'versions.outcome_window_days', 'sla.handed_off_at') }} as window_end_at,
        profiled.next_handoff_at,
        -- one business day: the first owner's working day on the due day, else the default calendar's
        coalesce(clocks.due_day_seconds, profiled.default_day_seconds) as business_day_seconds,
        {{ utc_to_local('sla.handed_off_at', "'" ~ var('reporting_timezone') ~ "'") }} as handed_off_local
    from {{ ref('fct_sales_sla') }} as sla
    inner join {{ ref('stg_agreement__sla_versions') }} as versions
        on sla.sla_version = versions.sla_version
    inner join {{ ref('int_handoffs_profiled') }} as profiled
        on sla.handoff_id = profiled.handoff_id
    left join {{ ref('int_handoff_clocks') }} as clocks
        on sla.handoff_id = clocks.handoff_id
    where sla.sla_status <> 'excluded'

),

closed as (

    select *
    from handoffs
    where {{ dbt.dateadd('day', 'outcome_window_days',
                         reporting_day_start_utc(dbt.dateadd('month', 1, 'cohort_month'))) }}
        <= {{ as_of_utc() }}

),

first_touches as (

    select handoff_id, type as first_touch_channel
    from {{ ref('int_handoff_activities_classified') }}
    where touch_number = 1

),

stages as (

    select closed.handoff_id, stages.stage
    from closed
    inner join {{ ref('int_lead_stages_reached') }} as stages
        on closed.contact_id = stages.contact_id
        and stages.stage in ('sql', 'opportunity')
        and stages.reached_at >= closed.handed_off_at
        and stages.reached_at < closed.window_end_at
        and (closed.next_handoff_at is null or stages.reached_at < closed.next_handoff_at)

),

wins as (

    select distinct closed.handoff_id
    from closed
    inner join {{ ref('stg_crm__deals') }} as deals
        on closed.contact_id = deals.contact_id
        and deals.is_latest
        and deals.is_won
        and not deals.is_deleted
        and deals.closed_at >= closed.handed_off_at
        and deals.closed_at < closed.window_end_at
        and (closed.next_handoff_at is null or deals.closed_at < closed.next_handoff_at)

)

select
    closed.handoff_id,
    closed.contact_id,
    closed.sla_version,
    closed.cohort_month,
    closed.outcome_window_days,
    closed.window_end_at as outcome_window_end_at,
    closed.icp_tier,
    closed.handed_off_at,
    {%- for column, minutes, day_bound, day_label in [
        ('response_business_bucket', 'response_business_minutes', 'closed.business_day_seconds / 60.0', 'within_1_business_day'),
        ('response_wall_clock_bucket', 'response_minutes', '1440', 'within_1_day'),
    ] %}
    case
        when closed.first_touch_at is null then 'never'
        when closed.{{ minutes }} <= 5 then 'within_5_min'
        when closed.{{ minutes }} <= 60 then 'within_1_hour'
        when closed.{{ minutes }} <= 240 then 'within_4_hours'
        when closed.{{ minutes }} <= {{ day_bound }} then '{{ day_label }}'
        else 'later'
    end as {{ column }},
    {%- endfor %}
    case
        when closed.attempts_in_window >= 5 then '5_or_more'
        else cast(closed.attempts_in_window as {{ dbt.type_string() }})
    end as attempts_bucket,
    coalesce(first_touches.first_touch_channel, 'none') as first_touch_channel,
    closed.attempts_sla_status as cadence,
    cast(extract(hour from closed.handed_off_local) as integer) as handoff_hour,
    case {{ iso_day_of_week('cast(closed.handed_off_local as date)') }}
        {%- for day in weekdays %}
        when {{ loop.index }} then '{{ day }}'
        {%- endfor %}
    end as handoff_weekday,
    exists (select 1 from stages where stages.handoff_id = closed.handoff_id and stages.stage = 'sql') as reached_sql,
    exists (select 1 from stages where stages.handoff_id = closed.handoff_id and stages.stage = 'opportunity')
        as reached_opportunity,
    exists (select 1 from wins where wins.handoff_id = closed.handoff_id) as is_won
from closed
left join first_touches
    on closed.handoff_id = first_touches.handoff_id
