{#- The days an incremental build of a day-partitioned fact computes.

    A nightly build of day D computes D and every day after the newest day already in the table,
    up to D: a missed night is filled by the next one instead of leaving a gap. A replay of a past
    day (D older than the newest day present) recomputes D alone. A full build computes every day
    up to D. `day_expr` is the day being computed in the model's SQL, `target_day_column` the day
    column of the fact itself (its unique key). -#}
{% macro incremental_days(day_expr, target_day_column) -%}
    {{ day_expr }} <= {{ run_date() }}
    {%- if is_incremental() %}
    and (
        {{ day_expr }} = {{ run_date() }}
        or {{ day_expr }} > (select coalesce(max({{ target_day_column }}), cast('1900-01-01' as date)) from {{ this }})
    )
    {%- endif %}
{%- endmacro %}
