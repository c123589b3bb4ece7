{#- marketing_sla_measures: the measures of the marketing SLA (SPEC 5.5) for each row of
    `report_days` (columns report_date, month_start, knowledge_date, as_of_at): month to date up to
    report_date, counting only handoffs known by knowledge_date and outcomes that happened before
    as_of_at and were known by knowledge_date. Emits CTEs ending in `marketing_sla_measures`,
    one row per report_date, month and segment (every segment with a target that month, plus any
    segment that received MQLs). fct_marketing_sla and fct_marketing_sla_daily share it so that
    the monthly row and the last daily row of a month agree. -#}

{% macro marketing_sla_measures(report_days) %}

marketing_days as (

    select * from {{ ref('int_marketing_days_classified') }}

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
        report_days.month_start,
        cast(sum(case when marketing_days.is_business_day then 1 else 0 end) as integer) as business_days_elapsed
    from {{ report_days }} as report_days
    inner join marketing_days
        on marketing_days.month_start = report_days.month_start
        and marketing_days.calendar_date <= report_days.report_date
    group by report_days.report_date, report_days.month_start

),

delivered_handoffs as (

    select
        report_days.report_date,
        report_days.month_start,
        handoffs.*,
        (
            handoffs.accepted_within_window_at is not null
            and handoffs.accepted_within_window_at < report_days.as_of_at
            and handoffs.outcome_known_on <= report_days.knowledge_date
        ) as is_accepted_as_of,
        case
            when handoffs.outcome_at < report_days.as_of_at
                and handoffs.outcome_known_on <= report_days.knowledge_date
                then handoffs.rejection_reason
        end as rejection_reason_as_of
    from {{ report_days }} as report_days
    inner join {{ ref('int_handoffs_profiled') }} as handoffs
        on handoffs.handoff_month = report_days.month_start
        and handoffs.handoff_date <= report_days.report_date
        and handoffs.known_on <= report_days.knowledge_date

),

delivered as (

    select
        report_date,
        month_start,
        segment,
        cast(count(*) as integer) as mqls_delivered,
        sum(coalesce(lead_value, 0)) as lead_value_delivered,
        cast(sum(case when icp_tier = 'A' then 1 else 0 end) as integer) as tier_a_mqls,
        cast(sum(case when is_accepted_as_of then 1 else 0 end) as integer) as mqls_accepted_within_window,
        cast(sum(case when rejection_reason_as_of is not null then 1 else 0 end) as integer) as mqls_rejected
    from delivered_handoffs
    group by report_date, month_start, segment

),

rejection_counts as (

    select
        report_date,
        month_start,
        segment,
        rejection_reason_as_of as rejection_reason,
        count(*) as rejections,
        row_number() over (
            partition by report_date, month_start, segment
            order by count(*) desc, rejection_reason_as_of
        ) as reason_rank
    from delivered_handoffs
    where rejection_reason_as_of is not null
    group by report_date, month_start, segment, rejection_reason_as_of

),

top_rejections as (

    select
        report_date,
        month_start,
        segment,
        {{ dbt.listagg(
            dbt.concat(['rejection_reason', "' ('", dbt.safe_cast('rejections', dbt.type_string()), "')'"]),
            "', '",
            'order by reason_rank'
        ) }} as top_rejection_reasons
    from rejection_counts
    where reason_rank <= 3
    group by report_date, month_start, segment

),

targets as (

    select
        report_days.report_date,
        report_days.month_start,
        marketing_targets.segment,
        marketing_targets.mql_target,
        marketing_targets.lead_value_target,
        marketing_targets.target_method
    from {{ report_days }} as report_days
    inner join month_calendar
        on report_days.month_start = month_calendar.month_start
    inner join {{ ref('stg_agreement__marketing_targets') }} as marketing_targets
        on marketing_targets.sla_version = month_calendar.sla_version
        and marketing_targets.target_month = report_days.month_start

),

report_segments as (

    select report_date, month_start, segment from targets
    union
    select report_date, month_start, segment from delivered

),

marketing_sla_measures as (

    select
        report_segments.report_date,
        report_segments.month_start,
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
    inner join month_calendar
        on report_segments.month_start = month_calendar.month_start
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

{% endmacro %}

{#- marketing_sla_columns: the measure and ratio columns both marketing SLA marts publish. -#}
{% macro marketing_sla_columns() %}
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
    {{ marketing_sla_ratios() }}
{% endmacro %}

{#- marketing_sla_ratios: the ratio columns computed from marketing_sla_measures' counts. -#}
{% macro marketing_sla_ratios() %}
    {%- set float = type_ratio() -%}
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
{% endmacro %}
