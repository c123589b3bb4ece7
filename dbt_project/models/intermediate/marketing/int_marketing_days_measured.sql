{#- One row per day (reporting zone) and segment: the marketing SLA of the day's month as it stood at
    the end of that day, with everything known by the build day. MQLs delivered are the month's
    handoffs up to that day; acceptances and rejections count when they happened before the day's
    end. Days run from the first day of the first month with a handoff to the build day; segments are
    every segment with a target that month plus any segment that received MQLs by then.
    fct_marketing_sla_daily publishes every row; fct_marketing_sla the last day of each month. -#}

{%- set float = type_ratio() -%}

with marketing_days as (

    select * from {{ ref('int_marketing_days_classified') }}

),

handoffs as (

    select * from {{ ref('int_handoffs_profiled') }}

),

report_days as (

    select
        marketing_days.calendar_date as report_date,
        marketing_days.month_start,
        {{ reporting_day_start_utc(dbt.dateadd('day', 1, 'marketing_days.calendar_date')) }} as day_end_at
    from marketing_days
    where marketing_days.calendar_date <= {{ run_date() }}
        and marketing_days.month_start >= (
            select cast({{ dbt.date_trunc('month', 'min(handoff_date)') }} as date) from handoffs
        )

),

month_calendar as (

    select
        month_start,
        max(month_end) as month_end,
        max(sla_version) as sla_version,
        cast(sum(case when is_business_day then 1 else 0 end) as integer) as business_days_in_month
    from marketing_days
    group by month_start

),

days_elapsed as (

    select
        report_days.report_date,
        cast(sum(case when marketing_days.is_business_day then 1 else 0 end) as integer) as business_days_elapsed
    from report_days
    inner join marketing_days
        on marketing_days.month_start = report_days.month_start
        and marketing_days.calendar_date <= report_days.report_date
    group by report_days.report_date

),

delivered_handoffs as (

    select
        report_days.report_date,
        handoffs.segment,
        handoffs.lead_value,
        handoffs.icp_tier,
        handoffs.accepted_within_window_at < report_days.day_end_at as is_accepted_by_day_end,
        case when handoffs.outcome_at < report_days.day_end_at then handoffs.rejection_reason end
            as rejection_reason_by_day_end
    from report_days
    inner join handoffs
        on handoffs.handoff_month = report_days.month_start
        and handoffs.handoff_date <= report_days.report_date

),

delivered as (

    select
        report_date,
        segment,
        cast(count(*) as integer) as mqls_delivered,
        sum(coalesce(lead_value, 0)) as lead_value_delivered,
        cast(sum(case when icp_tier = 'A' then 1 else 0 end) as integer) as tier_a_mqls,
        cast(sum(case when is_accepted_by_day_end then 1 else 0 end) as integer) as mqls_accepted_within_window,
        cast(sum(case when rejection_reason_by_day_end is not null then 1 else 0 end) as integer) as mqls_rejected
    from delivered_handoffs
    group by report_date, segment

),

rejection_counts as (

    select
        report_date,
        segment,
        rejection_reason_by_day_end as rejection_reason,
        count(*) as rejections,
        row_number() over (
            partition by report_date, segment
            order by count(*) desc, rejection_reason_by_day_end
        ) as reason_rank
    from delivered_handoffs
    where rejection_reason_by_day_end is not null
    group by report_date, segment, rejection_reason_by_day_end

),

top_rejections as (

    select
        report_date,
        segment,
        {{ dbt.listagg(
            dbt.concat(['rejection_reason', "' ('", dbt.safe_cast('rejections', dbt.type_string()), "')'"]),
            "', '",
            'order by reason_rank'
        ) }} as top_rejection_reasons
    from rejection_counts
    where reason_rank <= 3
    group by report_date, segment

),

targets as (

    select
        report_days.report_date,
        marketing_targets.segment,
        marketing_targets.mql_target,
        marketing_targets.lead_value_target,
        marketing_targets.target_method
    from report_days
    inner join month_calendar
        on report_days.month_start = month_calendar.month_start
    inner join {{ ref('stg_agreement__marketing_targets') }} as marketing_targets
        on marketing_targets.sla_version = month_calendar.sla_version
        and marketing_targets.target_month = report_days.month_start

),

report_segments as (

    select report_date, segment from targets
    union
    select report_date, segment from delivered

),

measured as (

    select
        report_segments.report_date,
        report_days.month_start,
        month_calendar.month_end,
        report_segments.segment,
        month_calendar.sla_version,
        targets.mql_target,
        targets.lead_value_target,
        targets.target_method,
        coalesce(delivered.mqls_delivered, 0) as mqls_delivered,
        cast(coalesce(delivered.lead_value_delivered, 0) as decimal(18, 2)) as lead_value_delivered,
        month_calendar.business_days_in_month,
        coalesce(days_elapsed.business_days_elapsed, 0) as business_days_elapsed,
        coalesce(delivered.tier_a_mqls, 0) as tier_a_mqls,
        coalesce(delivered.mqls_accepted_within_window, 0) as mqls_accepted_within_window,
        coalesce(delivered.mqls_rejected, 0) as mqls_rejected,
        top_rejections.top_rejection_reasons
    from report_segments
    inner join report_days
        on report_segments.report_date = report_days.report_date
    inner join month_calendar
        on report_days.month_start = month_calendar.month_start
    left join targets
        on report_segments.report_date = targets.report_date
        and report_segments.segment = targets.segment
    left join delivered
        on report_segments.report_date = delivered.report_date
        and report_segments.segment = delivered.segment
    left join days_elapsed
        on report_segments.report_date = days_elapsed.report_date
    left join top_rejections
        on report_segments.report_date = top_rejections.report_date
        and report_segments.segment = top_rejections.segment

)

select
    report_date,
    month_start,
    month_end,
    segment,
    sla_version,
    mql_target,
    lead_value_target,
    target_method,
    mqls_delivered,
    lead_value_delivered,
    business_days_in_month,
    business_days_elapsed,
    tier_a_mqls,
    mqls_accepted_within_window,
    mqls_rejected,
    top_rejection_reasons,
    case when mql_target > 0 then cast(mqls_delivered as {{ float }}) / mql_target end as mql_attainment,
    case when lead_value_target > 0
        then cast(lead_value_delivered as {{ float }}) / cast(lead_value_target as {{ float }}) end
        as lead_value_attainment,
    case when business_days_in_month > 0
        then cast(mql_target as {{ float }}) * business_days_elapsed / business_days_in_month end as pace_target_mqls,
    case when mql_target > 0 and business_days_elapsed > 0 and business_days_in_month > 0
        then cast(mqls_delivered as {{ float }})
            / (cast(mql_target as {{ float }}) * business_days_elapsed / business_days_in_month) end as pace_attainment,
    case when business_days_elapsed > 0
        then cast(mqls_delivered as {{ float }}) * business_days_in_month / business_days_elapsed end as projected_mqls,
    case when business_days_elapsed > 0 and mql_target > 0
        then cast(mqls_delivered as {{ float }}) * business_days_in_month / business_days_elapsed / mql_target end
        as projected_attainment,
    case when mqls_delivered > 0 then cast(tier_a_mqls as {{ float }}) / mqls_delivered end as tier_a_share,
    case when mqls_delivered > 0 then cast(mqls_accepted_within_window as {{ float }}) / mqls_delivered end
        as acceptance_rate
from measured
