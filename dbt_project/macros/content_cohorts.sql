{#- content_cohort_is_closed: whether a month's content cohort has closed by the end of the build
    day: the window (var content_window_days, 90 in dbt_project.yml) of an engagement at the month's last
    instant in the reporting zone has ended. `month_expression` is the month's first day. -#}
{% macro content_cohort_is_closed(month_expression) -%}
    {{ dbt.dateadd('day', var('content_window_days'),
                   reporting_day_start_utc(dbt.dateadd('month', 1, month_expression))) }} <= {{ as_of_utc() }}
{%- endmacro %}
