{#- One row per week (Monday to Sunday, reporting zone) and rep: the first-touch deadlines that fell in
    the week, how many were met, and the on-time share, with the rep's team and manager; the trend a
    sales manager follows per rep and, summed, per team. The counts are fct_sales_sla_daily's (rep
    view), added up, so the two reconcile; the week of the build day is partial (is_week_complete). -#}

with daily as (

    select * from {{ ref('fct_sales_sla_daily') }}

),

weeks as (

    select
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start,
        owner_id,
        cast(sum(handoffs_received) as bigint) as handoffs_received,
        cast(sum(handoffs_due) as bigint) as handoffs_due,
        cast(sum(handoffs_met_by_due) as bigint) as handoffs_met_by_due,
        cast(sum(handoffs_breached) as bigint) as handoffs_breached,
        cast(sum(handoffs_touched_within_sla) as bigint) as handoffs_touched_within_sla,
        cast(sum(handoffs_touched_late) as bigint) as handoffs_touched_late,
        cast(count(*) as bigint) as days_in_week
    from daily
    group by 1, 2

)

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('weeks.week_start', dbt.type_string()), "'|'", 'weeks.owner_id'])) }}
        as sales_sla_week_id,
    weeks.week_start,
    cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date) as week_end,
    weeks.owner_id,
    reps.name as owner_name,
    coalesce(reps.team, 'unknown') as team,
    reps.manager_id,
    weeks.handoffs_received,
    weeks.handoffs_due,
    weeks.handoffs_met_by_due,
    weeks.handoffs_breached,
    weeks.handoffs_touched_within_sla,
    weeks.handoffs_touched_late,
    case
        when weeks.handoffs_due > 0 then cast(weeks.handoffs_met_by_due as {{ type_ratio() }}) / weeks.handoffs_due
    end as on_time_share,
    {{ dbt.dateadd('day', 6, 'weeks.week_start') }} <= {{ run_date() }} as is_week_complete
from weeks
left join {{ ref('dim_reps') }} as reps
    on weeks.owner_id = reps.owner_id
