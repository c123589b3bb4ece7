{#- iso_day_of_week: 1 = Monday … 7 = Sunday, for a date. -#}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'lead_sla')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro snowflake__iso_day_of_week(date_expression) -%}
    dayofweekiso({{ date_expression }})
{%- endmacro %}

{% macro bigquery__iso_day_of_week(date_expression) -%}
    mod(extract(dayofweek from {{ date_expression }}) + 5, 7) + 1
{%- endmacro %}

{#- integers_below: a one-column relation `n` of 0 … 10^digits - 1, from a cross join of digits,
    so that date ranges can be enumerated without an engine-specific series function. -#}
{% macro integers_below(digits=4) -%}
    select
        {%- for position in range(digits) %}
        d{{ position }}.digit * {{ 10 ** position }}{% if not loop.last %} +{% endif %}
        {%- endfor %} as n
    from
        {%- for position in range(digits) %}
        (
            {%- for digit in range(10) %}
            select {{ digit }} as digit{% if not loop.last %} union all{% endif %}
            {%- endfor %}
        ) as d{{ position }}{% if not loop.last %} cross join{% endif %}
        {%- endfor %}
{%- endmacro %}

{#- day_spine: a one-column relation `calendar_date` of every day from `first_day` to `last_day`
    (SQL date expressions, both included), at most 100,000 days. -#}
{% macro day_spine(first_day, last_day) -%}
    select cast({{ dbt.dateadd('day', 'integers.n', first_day) }} as date) as calendar_date
    from ({{ integers_below(5) }}) as integers
    where integers.n <= {{ dbt.datediff(first_day, last_day, 'day') }}
{%- endmacro %}
