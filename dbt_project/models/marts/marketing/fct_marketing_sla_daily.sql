{#- One row per day and segment: the marketing SLA month to date as it stood at the end of that day,
    with everything known by the build day (int_marketing_days_measured). -#}

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('report_date', dbt.type_string()), "'|'", 'segment'])) }} as marketing_sla_daily_id,
    report_date,
    month_start,
    segment,
    {{ marketing_sla_columns() }}
from {{ ref('int_marketing_days_measured') }}
