{#- type_ratio: an 8-byte floating point type for rates and ratios. dbt.type_float() is a 4-byte
    REAL on DuckDB, too coarse for win rates and interval bounds. -#}
{% macro type_ratio() -%}
    {{ return(adapter.dispatch('type_ratio', 'lead_sla')()) }}
{%- endmacro %}

{% macro default__type_ratio() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_ratio() -%}
    float64
{%- endmacro %}
