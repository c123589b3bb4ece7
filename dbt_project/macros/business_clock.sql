{#- The business clock: set-based lookups on int_business_intervals_cumulated, whose rows
    are a calendar's working intervals in UTC with the business seconds accumulated before each one
    (cumulative_seconds_before) and after it (cumulative_seconds_after); segment_end_at is the next
    interval's start and segment_start_at the interval's own start (for the first interval, any
    earlier instant), so [segment_start_at, segment_end_at) tiles the whole timeline. An instant
    before the calendar's first opening sits at position 0.

    - the clock position of an instant t: the business seconds elapsed on the calendar up to t,
      cumulative_seconds_before + least(seconds from interval start to t, work_seconds) of the segment
      holding t (an instant at night or on a weekend sits at the end of the previous interval, i.e.
      at the next opening);
    - the due instant of a start plus N business minutes: the interval whose cumulative range
      (before, after] holds position(start) + 60 N, plus the remaining seconds from its start;
    - business minutes between two instants: the difference of their positions.

    Both lookups are joins on the calendar and a range: DuckDB does them as ASOF joins (one probe
    per row, no fan-out), other warehouses as range joins. -#}

{#- Join the segment of `intervals` (aliased `alias`) holding instant `at` on calendar `calendar_id`. -#}
{% macro join_clock_segment(intervals, alias, calendar_id, at) -%}
    {{ return(adapter.dispatch('join_clock_segment', 'lead_sla')(intervals, alias, calendar_id, at)) }}
{%- endmacro %}

{% macro default__join_clock_segment(intervals, alias, calendar_id, at) -%}
    left join {{ intervals }} as {{ alias }}
        on {{ alias }}.calendar_id = {{ calendar_id }}
        and {{ at }} >= coalesce({{ alias }}.segment_start_at, {{ alias }}.interval_start_at)
        and ({{ at }} < {{ alias }}.segment_end_at or {{ alias }}.segment_end_at is null)
{%- endmacro %}

{% macro duckdb__join_clock_segment(intervals, alias, calendar_id, at) -%}
    asof left join {{ intervals }} as {{ alias }}
        on {{ alias }}.calendar_id = {{ calendar_id }}
        and {{ at }} >= coalesce({{ alias }}.segment_start_at, {{ alias }}.interval_start_at)
{%- endmacro %}

{#- The clock position (business seconds) of `at`, given the segment joined as `alias`. -#}
{% macro clock_position(alias, at) -%}
    case
        when {{ at }} is null or {{ alias }}.calendar_id is null then null
        when {{ dbt.datediff(alias ~ '.interval_start_at', at, 'second') }} >= {{ alias }}.work_seconds
            then {{ alias }}.cumulative_seconds_after
        when {{ at }} < {{ alias }}.interval_start_at then {{ alias }}.cumulative_seconds_before
        else {{ alias }}.cumulative_seconds_before + {{ dbt.datediff(alias ~ '.interval_start_at', at, 'second') }}
    end
{%- endmacro %}

{#- Join the interval of `intervals` (aliased `alias`) in which the clock of `calendar_id` reaches
    `position_seconds` (cumulative_seconds_before < position <= cumulative_seconds_after). -#}
{% macro join_clock_interval_reaching(intervals, alias, calendar_id, position_seconds) -%}
    {{ return(adapter.dispatch('join_clock_interval_reaching', 'lead_sla')(intervals, alias, calendar_id, position_seconds)) }}
{%- endmacro %}

{% macro default__join_clock_interval_reaching(intervals, alias, calendar_id, position_seconds) -%}
    left join {{ intervals }} as {{ alias }}
        on {{ alias }}.calendar_id = {{ calendar_id }}
        and {{ position_seconds }} > {{ alias }}.cumulative_seconds_before
        and {{ position_seconds }} <= {{ alias }}.cumulative_seconds_after
{%- endmacro %}

{% macro duckdb__join_clock_interval_reaching(intervals, alias, calendar_id, position_seconds) -%}
    asof left join {{ intervals }} as {{ alias }}
        on {{ alias }}.calendar_id = {{ calendar_id }}
        and {{ position_seconds }} > {{ alias }}.cumulative_seconds_before
{%- endmacro %}

{#- The instant at which the clock reaches `position_seconds`, given the interval joined as `alias`
    (null beyond the calendar's horizon). -#}
{% macro clock_instant(alias, position_seconds) -%}
    case
        when {{ position_seconds }} <= {{ alias }}.cumulative_seconds_after
            then {{ dbt.dateadd('second', '(' ~ position_seconds ~ ') - ' ~ alias ~ '.cumulative_seconds_before', alias ~ '.interval_start_at') }}
    end
{%- endmacro %}

{#- ISO day of the week (1 = Monday … 7 = Sunday) of a date. -#}
{% macro iso_weekday(day) -%}
    {{ return(adapter.dispatch('iso_weekday', 'lead_sla')(day)) }}
{%- endmacro %}

{% macro default__iso_weekday(day) -%}
    extract(isodow from {{ day }})
{%- endmacro %}

{#- Seconds since midnight of a time of day. -#}
{% macro seconds_of_day(time_of_day) -%}
    (extract(hour from {{ time_of_day }}) * 3600 + extract(minute from {{ time_of_day }}) * 60
        + extract(second from {{ time_of_day }}))
{%- endmacro %}
