{#- reporting_date: the calendar day of a UTC timestamp in the reporting time zone. -#}
{% macro reporting_date(utc_ts) -%}
    cast({{ utc_to_local(utc_ts, "'" ~ var('reporting_timezone') ~ "'") }} as date)
{%- endmacro %}

{#- reporting_day_start_utc: the instant (naive UTC) a calendar day starts in the reporting zone. -#}
{% macro reporting_day_start_utc(date_expression) -%}
    {{ local_to_utc('cast(' ~ date_expression ~ ' as timestamp)', "'" ~ var('reporting_timezone') ~ "'") }}
{%- endmacro %}
