-- Invariant: each row of the daily fact says what fct_sales_sla says of the handoffs held to that rep
-- on that day (reporting zone): received on the day the rep's clock started, due on the day the
-- rep's deadline fell (excluded ones aside) and met or breached as its rep status says, touched
-- within the SLA or late on the day of the first touch. Every day up to the build day, every rep.
-- Nothing held to a rep is received or touched after the build day (it would be in no daily row).
-- And on every row, met + breached = due, with attainment a share.
with handoffs as (

    select
        rep_owner_id as owner_id,
        rep_sla_status,
        {{ reporting_date('rep_clock_started_at') }} as received_date,
        {{ reporting_date('first_touch_at') }} as touch_date,
        {{ reporting_date('rep_sla_due_at') }} as due_date
    from {{ ref('fct_sales_sla') }}
    where rep_owner_id is not null

),

events as (

    select owner_id, received_date as activity_date, 1 as received, 0 as due, 0 as met, 0 as breached,
        0 as touched_within_sla, 0 as touched_late
    from handoffs

    union all

    select owner_id, due_date, 0, case when rep_sla_status <> 'excluded' then 1 else 0 end,
        case when rep_sla_status = 'met' then 1 else 0 end,
        case when rep_sla_status in ('late', 'open_breach') then 1 else 0 end, 0, 0
    from handoffs
    where due_date is not null

    union all

    select owner_id, touch_date, 0, 0, 0, 0,
        case when rep_sla_status = 'met' then 1 else 0 end,
        case when rep_sla_status = 'late' then 1 else 0 end
    from handoffs
    where touch_date is not null

),

expected as (

    select
        activity_date,
        owner_id,
        sum(received) as received,
        sum(due) as due,
        sum(met) as met,
        sum(breached) as breached,
        sum(touched_within_sla) as touched_within_sla,
        sum(touched_late) as touched_late
    from events
    where activity_date <= {{ run_date() }}
    group by activity_date, owner_id

),

daily as (

    select
        activity_date,
        owner_id,
        handoffs_received as received,
        handoffs_due as due,
        handoffs_met_by_due as met,
        handoffs_breached as breached,
        handoffs_touched_within_sla as touched_within_sla,
        handoffs_touched_late as touched_late
    from {{ ref('fct_sales_sla_daily') }}

),

per_day_and_rep as (

    select
        coalesce(daily.owner_id, expected.owner_id) as owner_id,
        'day ' || cast(coalesce(daily.activity_date, expected.activity_date) as {{ dbt.type_string() }})
            || ' differs from the handoffs' as problem
    from daily
    full outer join expected
        on daily.activity_date = expected.activity_date
        and daily.owner_id = expected.owner_id
    where coalesce(daily.received, 0) <> coalesce(expected.received, 0)
        or coalesce(daily.due, 0) <> coalesce(expected.due, 0)
        or coalesce(daily.met, 0) <> coalesce(expected.met, 0)
        or coalesce(daily.breached, 0) <> coalesce(expected.breached, 0)
        or coalesce(daily.touched_within_sla, 0) <> coalesce(expected.touched_within_sla, 0)
        or coalesce(daily.touched_late, 0) <> coalesce(expected.touched_late, 0)

),

per_row as (

    select owner_id, 'row ' || cast(activity_date as {{ dbt.type_string() }}) as problem
    from {{ ref('fct_sales_sla_daily') }}
    where handoffs_met_by_due + handoffs_breached <> handoffs_due
        or sla_attainment < 0
        or sla_attainment > 1

),

after_the_build_day as (

    select owner_id, 'received or touched after the build day' as problem
    from handoffs
    where received_date > {{ run_date() }} or touch_date > {{ run_date() }}

)

select * from per_day_and_rep
union all
select * from after_the_build_day
union all
select * from per_row
