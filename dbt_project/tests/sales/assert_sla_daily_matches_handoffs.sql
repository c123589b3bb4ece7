-- Invariant: per rep, the daily fact adds up to what fct_sales_sla says of the handoffs held to that
-- rep. Each handoff is received once; each deadline that fell by the build day (excluded ones aside)
-- is due once, and met or breached as its rep status says; each first touch counts once, within the
-- SLA or late. And on every row, met + breached = due, with attainment a share.
with daily as (

    select
        owner_id,
        sum(handoffs_received) as received,
        sum(handoffs_due) as due,
        sum(handoffs_met_by_due) as met,
        sum(handoffs_breached) as breached,
        sum(handoffs_touched_within_sla) as touched_within_sla,
        sum(handoffs_touched_late) as touched_late
    from {{ ref('fct_sales_sla_daily') }}
    group by owner_id

),

handoffs as (

    select
        rep_owner_id as owner_id,
        count(*) as received,
        count(case when rep_sla_due_at < evaluated_as_of and rep_sla_status <> 'excluded' then 1 end) as due,
        count(case when rep_sla_due_at < evaluated_as_of and rep_sla_status = 'met' then 1 end) as met,
        count(case when rep_sla_due_at < evaluated_as_of and rep_sla_status in ('late', 'open_breach') then 1 end)
            as breached,
        count(case when first_touch_at is not null and rep_sla_status = 'met' then 1 end) as touched_within_sla,
        count(case when first_touch_at is not null and rep_sla_status = 'late' then 1 end) as touched_late
    from {{ ref('fct_sales_sla') }}
    where rep_owner_id is not null
    group by rep_owner_id

),

per_rep as (

    select coalesce(daily.owner_id, handoffs.owner_id) as owner_id, 'per rep totals' as problem
    from daily
    full outer join handoffs
        on daily.owner_id = handoffs.owner_id
    where coalesce(daily.received, 0) <> coalesce(handoffs.received, 0)
        or coalesce(daily.due, 0) <> coalesce(handoffs.due, 0)
        or coalesce(daily.met, 0) <> coalesce(handoffs.met, 0)
        or coalesce(daily.breached, 0) <> coalesce(handoffs.breached, 0)
        or coalesce(daily.touched_within_sla, 0) <> coalesce(handoffs.touched_within_sla, 0)
        or coalesce(daily.touched_late, 0) <> coalesce(handoffs.touched_late, 0)

),

per_row as (

    select owner_id, 'row ' || cast(activity_date as {{ dbt.type_string() }}) as problem
    from {{ ref('fct_sales_sla_daily') }}
    where handoffs_met_by_due + handoffs_breached <> handoffs_due
        or sla_attainment < 0
        or sla_attainment > 1

)

select * from per_rep
union all
select * from per_row
