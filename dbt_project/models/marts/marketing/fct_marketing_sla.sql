{#- One row per month and segment: marketing's delivery against the agreement in force, as of the
    build day. A past month is judged at its last day, the running month at the build day: the
    monthly row is the daily row of that day (int_marketing_days_measured). -#}

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('month_start', dbt.type_string()), "'|'", 'segment'])) }} as marketing_sla_id,
    month_start,
    segment,
    report_date,
    report_date >= month_end as is_month_complete,
    {{ marketing_sla_columns() }}
from {{ ref('int_marketing_days_measured') }}
where report_date = case when month_end < {{ run_date() }} then month_end else {{ run_date() }} end
