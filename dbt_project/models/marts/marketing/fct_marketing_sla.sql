{#- One row per month and segment: marketing's delivery against the agreement in force, as of the
    build day (a running month is judged up to the build day; past months up to their last day). -#}

with report_days as (

    select
        month_start,
        case when month_end < {{ run_date() }} then month_end else {{ run_date() }} end as report_date,
        {{ run_date() }} as knowledge_date,
        {{ as_of_utc() }} as as_of_at
    from (
        select month_start, max(month_end) as month_end
        from {{ ref('int_marketing_days_classified') }}
        where month_start >= (
            select cast({{ dbt.date_trunc('month', 'min(handoff_date)') }} as date)
            from {{ ref('int_handoffs_profiled') }}
        )
        group by month_start
    ) as months

),

{{ marketing_sla_measures('report_days') }}

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('month_start', dbt.type_string()), "'|'", 'segment'])) }} as marketing_sla_id,
    month_start,
    segment,
    report_date,
    report_date >= month_end as is_month_complete,
    {{ marketing_sla_columns() }}
from marketing_sla_measures
