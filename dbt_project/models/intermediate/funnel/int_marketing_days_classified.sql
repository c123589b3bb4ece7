{#- One row per calendar day from the month the first SLA version took effect to the end of the
    build month: its month, the SLA version judging that month (the version in force on the
    month's first day), and whether it is a business day of that version's default calendar
    (Monday to Friday, not a public holiday of the default country). Marketing pace counts these. -#}

with sla_versions as (

    select * from {{ ref('stg_agreement__sla_versions') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(effective_from)') }} as date) as first_day,
        cast({{ dbt.last_day(run_date(), 'month') }} as date) as last_day
    from sla_versions

),

days as (

    select cast({{ dbt.dateadd('day', 'integers.n', 'bounds.first_day') }} as date) as calendar_date
    from bounds
    cross join ({{ integers_below(5) }}) as integers
    where integers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

months as (

    select
        days.calendar_date,
        cast({{ dbt.date_trunc('month', 'days.calendar_date') }} as date) as month_start
    from days

)

select
    months.calendar_date,
    months.month_start,
    cast({{ dbt.last_day('months.month_start', 'month') }} as date) as month_end,
    sla_versions.sla_version,
    sla_versions.default_country,
    (
        {{ iso_day_of_week('months.calendar_date') }} <= 5
        and holidays.holiday_date is null
    ) as is_business_day
from months
inner join sla_versions
    on sla_versions.effective_from <= months.month_start
    and (sla_versions.effective_to is null or months.month_start < sla_versions.effective_to)
left join (
    select distinct country, holiday_date from {{ ref('stg_agreement__public_holidays') }}
    where subdivision is null
) as holidays
    on holidays.country = sla_versions.default_country
    and holidays.holiday_date = months.calendar_date
