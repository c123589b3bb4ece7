{#- One row per day (reporting zone) and rep: the handoffs the rep received, first touches within
    the SLA and late, deadlines that fell that day and whether they were met, what was still pending
    at the end of the day, and response times. Every count is in the rep view of fct_sales_sla: a
    handoff counts for the rep held to its deadline, on the day each event happened, with everything
    known by the build day (a late export restates the day it belongs to). Every rep on the roster
    has a row every day, zeros included (int_rep_days_rostered); other owners appear on days with
    activity. -#}

with deadlines as (

    select
        rep_owner_id as owner_id,
        rep_sla_status,
        rep_response_business_minutes,
        is_routing_breach,
        {{ reporting_date('rep_clock_started_at') }} as received_date,
        {{ reporting_date('first_touch_at') }} as touch_date,
        {{ reporting_date('rep_sla_due_at') }} as due_date,
        {{ reporting_date('excluded_at') }} as excluded_date
    from {{ ref('fct_sales_sla') }}
    where rep_owner_id is not null

),

days as (

    {{ day_spine('(select coalesce(min(received_date), ' ~ run_date() ~ ') from deadlines)', run_date()) }}

),

-- one row per deadline and day on which something happened to it
events as (

    select owner_id, received_date as activity_date, 1 as is_received,
        case when is_routing_breach then 1 else 0 end as is_received_after_routing_breach,
        0 as is_touched, 0 as is_due, 0 as is_pending,
        rep_sla_status, cast(null as {{ type_ratio() }}) as response_business_minutes
    from deadlines

    union all

    select owner_id, touch_date, 0, 0, 1, 0, 0, rep_sla_status, rep_response_business_minutes
    from deadlines
    where touch_date is not null

    union all

    select owner_id, due_date, 0, 0, 0, case when rep_sla_status <> 'excluded' then 1 else 0 end, 0,
        rep_sla_status, cast(null as {{ type_ratio() }})
    from deadlines
    where due_date is not null

    union all

    -- pending at the end of a day: the rep's clock had started; not touched, due or excluded by then
    select deadlines.owner_id, days.calendar_date, 0, 0, 0, 0, 1, deadlines.rep_sla_status,
        cast(null as {{ type_ratio() }})
    from deadlines
    inner join days
        on days.calendar_date >= deadlines.received_date
        and (deadlines.touch_date is null or days.calendar_date < deadlines.touch_date)
        and (deadlines.due_date is null or days.calendar_date < deadlines.due_date)
        and (deadlines.excluded_date is null or days.calendar_date < deadlines.excluded_date)

),

counted as (

    select
        activity_date,
        owner_id,
        cast(sum(is_received) as bigint) as handoffs_received,
        cast(sum(is_received_after_routing_breach) as bigint) as handoffs_received_after_routing_breach,
        cast(sum(case when is_touched = 1 and rep_sla_status = 'met' then 1 else 0 end) as bigint)
            as handoffs_touched_within_sla,
        cast(sum(case when is_touched = 1 and rep_sla_status = 'late' then 1 else 0 end) as bigint)
            as handoffs_touched_late,
        cast(sum(is_due) as bigint) as handoffs_due,
        cast(sum(case when is_due = 1 and rep_sla_status = 'met' then 1 else 0 end) as bigint) as handoffs_met_by_due,
        cast(sum(case when is_due = 1 and rep_sla_status in ('late', 'open_breach') then 1 else 0 end) as bigint)
            as handoffs_breached,
        cast(sum(is_pending) as bigint) as handoffs_pending,
        percentile_cont(0.5) within group (
            order by case when is_touched = 1 and rep_sla_status in ('met', 'late') then response_business_minutes end
        ) as median_response_business_minutes,
        percentile_cont(0.9) within group (
            order by case when is_touched = 1 and rep_sla_status in ('met', 'late') then response_business_minutes end
        ) as p90_response_business_minutes
    from events
    where activity_date <= {{ run_date() }}
    group by activity_date, owner_id

),

rep_days as (

    select calendar_date as activity_date, owner_id from {{ ref('int_rep_days_rostered') }}
    union
    select activity_date, owner_id from counted

)

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('rep_days.activity_date', dbt.type_string()), "'|'", 'rep_days.owner_id'])) }}
        as sales_sla_day_id,
    rep_days.activity_date,
    rep_days.owner_id,
    coalesce(counted.handoffs_received, 0) as handoffs_received,
    coalesce(counted.handoffs_received_after_routing_breach, 0) as handoffs_received_after_routing_breach,
    coalesce(counted.handoffs_touched_within_sla, 0) as handoffs_touched_within_sla,
    coalesce(counted.handoffs_touched_late, 0) as handoffs_touched_late,
    coalesce(counted.handoffs_due, 0) as handoffs_due,
    coalesce(counted.handoffs_met_by_due, 0) as handoffs_met_by_due,
    coalesce(counted.handoffs_breached, 0) as handoffs_breached,
    coalesce(counted.handoffs_pending, 0) as handoffs_pending,
    counted.median_response_business_minutes,
    counted.p90_response_business_minutes,
    case
        when counted.handoffs_due > 0 then cast(counted.handoffs_met_by_due as {{ type_ratio() }}) / counted.handoffs_due
    end as sla_attainment
from rep_days
left join counted
    on rep_days.activity_date = counted.activity_date
    and rep_days.owner_id = counted.owner_id
