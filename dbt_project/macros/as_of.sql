{#- The build day and its end instant.

    run_date(): the day being built, var `run_date` (YYYY-MM-DD), as a SQL date literal.
    as_of_utc(): the end of that day in the reporting zone (var `reporting_timezone`) as a naive
    UTC timestamp literal, computed at compile time, so it is portable and the same in every
    model of one build. "As of D" means: events at or before this instant, and for mutable
    records the latest version known at it. -#}

{% macro run_date() -%}
    cast('{{ var("run_date") }}' as date)
{%- endmacro %}

{% macro as_of_utc() -%}
    {%- set day = modules.datetime.datetime.strptime(var("run_date"), "%Y-%m-%d") -%}
    {%- set zone = modules.pytz.timezone(var("reporting_timezone")) -%}
    {%- set next_midnight = zone.localize(day + modules.datetime.timedelta(days=1)) -%}
    {%- set end_utc = next_midnight.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
    cast('{{ end_utc.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
