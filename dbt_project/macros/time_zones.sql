{#- Time-zone arithmetic, dispatched so that a server warehouse can add its own version.
    Every timestamp in the warehouse is a naive UTC `timestamp`. -#}

{#- local_to_utc: a naive local wall-clock timestamp in IANA zone `tz` (a column or a quoted
    literal) to naive UTC. Daylight-saving days are handled by the engine's zone database. -#}
{% macro local_to_utc(local_ts, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'lead_sla')(local_ts, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_ts, tz) -%}
    cast(({{ local_ts }}) at time zone {{ tz }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__local_to_utc(local_ts, tz) -%}
    timezone('UTC', timezone({{ tz }}, cast({{ local_ts }} as timestamp)))
{%- endmacro %}

{#- utc_to_local: a naive UTC timestamp to naive local wall-clock time in zone `tz`. -#}
{% macro utc_to_local(utc_ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'lead_sla')(utc_ts, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(utc_ts, tz) -%}
    cast(({{ utc_ts }}) at time zone 'UTC' at time zone {{ tz }} as timestamp)
{%- endmacro %}

{% macro duckdb__utc_to_local(utc_ts, tz) -%}
    timezone({{ tz }}, timezone('UTC', cast({{ utc_ts }} as timestamp)))
{%- endmacro %}
