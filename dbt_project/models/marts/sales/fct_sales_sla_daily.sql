{#- One row per day (reporting zone) and owner (rep view): the day's handoffs received, first touches
    within the SLA and late, deadlines that fell that day and whether they were met, what was still
    pending at the end of the day, and response times (SPEC 5.4).

    Day-partitioned incremental: each handoff is evaluated as of the end of every day it is followed
    (from its handoff day for `follow_days` days), using only what happened before the end of that
    day and was known by it (macros/sales_sla.sql). An incremental run computes the build day and any day after the newest one present (a missed
    night is filled; macros/incremental_days.sql);
    building days one by one therefore equals one full build, and rebuilding a day changes nothing. -#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='activity_date',
    on_schema_change='fail'
) }}

{%- set follow_days = 30 -%}
{%- set reporting_tz = "'" ~ var('reporting_timezone') ~ "'" -%}

{%- set pairs_sql -%}
    with followed as (
        select
            handoff_id,
            cast({{ utc_to_local('handed_off_at', reporting_tz) }} as date) as handoff_date
        from {{ ref('int_handoffs_sequenced') }}
    ),
    offsets as (
        {{ dbt.generate_series(follow_days + 1) }}
    ),
    days as (
        select
            followed.handoff_id,
            cast({{ dbt.dateadd('day', 'offsets.generated_number - 1', 'followed.handoff_date') }} as date) as as_of_date
        from followed
        cross join offsets
    )
    select
        handoff_id,
        as_of_date,
        {{ local_to_utc(dbt.dateadd('day', 1, 'cast(as_of_date as timestamp)'), reporting_tz) }} as as_of_at
    from days
    where {{ incremental_days('as_of_date', 'activity_date') }}
{%- endset -%}

with states as (

    {{ sales_sla_handoff_states(pairs_sql) }}

),

dated as (

    select
        states.*,
        {{ local_to_utc('cast(states.as_of_date as timestamp)', reporting_tz) }} as day_start_at
    from states
    where states.rep_owner_id is not null

),

flagged as (

    select
        as_of_date,
        rep_owner_id,
        rep_sla_status,
        rep_response_business_minutes,
        (rep_clock_started_at >= day_start_at and rep_clock_started_at < as_of_at) as is_received,
        (is_routing_breach and rep_clock_started_at >= day_start_at and rep_clock_started_at < as_of_at)
            as is_received_after_routing_breach,
        (first_touch_at >= day_start_at and first_touch_at < as_of_at) as is_touched,
        (
            rep_sla_due_at >= day_start_at and rep_sla_due_at < as_of_at and rep_sla_status <> 'excluded'
        ) as is_due
    from dated

)

select
    as_of_date as activity_date,
    rep_owner_id as owner_id,
    count(case when is_received then 1 end) as handoffs_received,
    count(case when is_received_after_routing_breach then 1 end) as handoffs_received_after_routing_breach,
    count(case when is_touched and rep_sla_status = 'met' then 1 end) as handoffs_touched_within_sla,
    count(case when is_touched and rep_sla_status = 'late' then 1 end) as handoffs_touched_late,
    count(case when is_due then 1 end) as handoffs_due,
    count(case when is_due and rep_sla_status = 'met' then 1 end) as handoffs_met_by_due,
    count(case when is_due and rep_sla_status in ('late', 'open_breach') then 1 end) as handoffs_breached,
    count(case when rep_sla_status = 'pending' then 1 end) as handoffs_pending,
    percentile_cont(0.5) within group (
        order by case when is_touched and rep_sla_status in ('met', 'late') then rep_response_business_minutes end
    ) as median_response_business_minutes,
    percentile_cont(0.9) within group (
        order by case when is_touched and rep_sla_status in ('met', 'late') then rep_response_business_minutes end
    ) as p90_response_business_minutes,
    count(case when is_due and rep_sla_status = 'met' then 1 end) * 1.0
        / nullif(count(case when is_due then 1 end), 0) as sla_attainment
from flagged
group by as_of_date, rep_owner_id
having count(case when is_received or is_touched or is_due or rep_sla_status = 'pending' then 1 end) > 0
