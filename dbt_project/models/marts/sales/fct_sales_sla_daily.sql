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

-- a deadline is pending at the end of each day from the day the rep's clock started up to the
-- day before it was touched, fell due or was excluded, whichever came first
pending_spans as (

    select
        owner_id,
        received_date,
        case
            when touch_date <= coalesce(due_date, touch_date) and touch_date <= coalesce(excluded_date, touch_date)
                then touch_date
            when due_date <= coalesce(excluded_date, due_date) then due_date
            else excluded_date
        end as pending_until
    from deadlines

),

-- each span once: +1 on its first day, -1 on the day after its last; a running sum over the days
-- gives what was pending at the end of each day, without pairing every deadline with every day
pending_changes as (

    select owner_id, change_date, sum(change) as change
    from (
        select owner_id, received_date as change_date, 1 as change
        from pending_spans
        where pending_until is null or pending_until > received_date
        union all
        select owner_id, pending_until, -1
        from pending_spans
        where pending_until > received_date
    ) as changes
    group by owner_id, change_date

),

pending_days as (

    select
        owners.owner_id,
        days.calendar_date,
        sum(coalesce(pending_changes.change, 0)) over (
            partition by owners.owner_id
            order by days.calendar_date
            rows between unbounded preceding and current row
        ) as handoffs_pending
    from (select distinct owner_id from pending_changes) as owners
    cross join days
    left join pending_changes
        on pending_changes.owner_id = owners.owner_id
        and pending_changes.change_date = days.calendar_date

),

-- one row per deadline and day on which something happened to it (pending: per rep and day)
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

    select owner_id, calendar_date, 0, 0, 0, 0, handoffs_pending, cast(null as {{ dbt.type_string() }}),
        cast(null as {{ type_ratio() }})
    from pending_days
    where handoffs_pending > 0

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
