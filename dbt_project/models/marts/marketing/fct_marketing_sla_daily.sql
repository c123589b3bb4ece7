{#- One row per day and segment: the marketing SLA month to date as it stood at the end of that
    day, from what was known by then. Day-partitioned: an incremental build computes the
    build day, plus any day after the newest one present (a missed night is filled), and replaces
    those days (macros/incremental_days.sql). -#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail'
) }}

with report_days as (

    select
        calendar_date as report_date,
        month_start,
        calendar_date as knowledge_date,
        {{ reporting_day_start_utc(dbt.dateadd('day', 1, 'calendar_date')) }} as as_of_at
    from {{ ref('int_marketing_days_classified') }}
    where {{ incremental_days('calendar_date', 'report_date') }}
    {%- if not is_incremental() %}
        and calendar_date >= (
            select cast({{ dbt.date_trunc('month', 'min(handoff_date)') }} as date)
            from {{ ref('int_handoffs_profiled') }}
        )
    {%- endif %}

),

{{ marketing_sla_measures('report_days') }}

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('report_date', dbt.type_string()), "'|'", 'segment'])) }} as marketing_sla_daily_id,
    report_date,
    month_start,
    segment,
    {{ marketing_sla_columns() }}
from marketing_sla_measures
