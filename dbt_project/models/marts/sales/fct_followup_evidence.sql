{#- Follow-up evidence: does the sales work on a handoff predict its outcome? Built from the handoffs
    of closed cohorts (int_handoff_followups_judged: population, outcome window and cohorts).

    Grain: one row per SLA version, cohort (a month `YYYY-MM`, or `all_closed`: every closed month of
    the version pooled), ICP tier stratum (`all`, or the tier at the handoff, so that speed is not
    confounded with fit), dimension and value. The dimensions: response time in business and in
    wall-clock minutes, attempts in the attempts window, the first touch's channel, the attempts
    cadence, the hour and the weekday of the handoff (reporting zone); `overall` is the whole
    stratum. For each outcome (sql, opportunity, win): the count, the rate with its 95% Wilson
    interval (macro wilson_interval_bound), the stratum's overall rate, the lift (rate over the
    stratum's rate) with its interval (the Wilson bounds over the stratum's rate), and whether that
    interval excludes 1 (no lift). -#}

{%- set float = type_ratio() -%}
{%- set outcomes = [('sql', 'sqls', 'reached_sql'), ('opportunity', 'opportunities', 'reached_opportunity'), ('win', 'wins', 'is_won')] -%}
{#- dimension -> (column, values in display order; none: ordered by the value itself) -#}
{%- set dimensions = [
    ('response_business', 'response_business_bucket',
        ['within_5_min', 'within_1_hour', 'within_4_hours', 'within_1_business_day', 'later', 'never']),
    ('response_wall_clock', 'response_wall_clock_bucket',
        ['within_5_min', 'within_1_hour', 'within_4_hours', 'within_1_day', 'later', 'never']),
    ('attempts', 'attempts_bucket', ['0', '1', '2', '3', '4', '5_or_more']),
    ('first_touch_channel', 'first_touch_channel', ['call', 'email', 'meeting', 'none']),
    ('cadence', 'cadence', ['met', 'reached_early', 'missed', 'in_window']),
    ('handoff_weekday', 'handoff_weekday', ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']),
] -%}

with judged as (

    select * from {{ ref('int_handoff_followups_judged') }}

),

-- every handoff in its month's cohort and in its version's pooled one, in the `all` stratum and its tier's
placed as (

    select
        judged.*,
        case
            when kinds.cohort_kind = 'month' then left(cast(judged.cohort_month as {{ dbt.type_string() }}), 7)
            else 'all_closed'
        end as cohort,
        case when kinds.cohort_kind = 'month' then judged.cohort_month end as cohort_start,
        case when strata.stratum = 'all' then 'all' else judged.icp_tier end as stratum
    from judged
    cross join (select 'month' as cohort_kind union all select 'all_closed' as cohort_kind) as kinds
    cross join (select 'all' as stratum union all select 'tier' as stratum) as strata

),

-- each placed handoff once per dimension, with its value (a handoff without a value is left out)
valued as (

    select placed.*, 'overall' as dimension, 'all' as dimension_value, 1 as value_order
    from placed
    {%- for dimension, column, values in dimensions %}
    union all
    select
        placed.*,
        '{{ dimension }}' as dimension,
        cast({{ column }} as {{ dbt.type_string() }}) as dimension_value,
        case {{ column }}
            {%- for value in values %}
            when '{{ value }}' then {{ loop.index }}
            {%- endfor %}
        end as value_order
    from placed
    where {{ column }} is not null
    {%- endfor %}
    union all
    select
        placed.*,
        'handoff_hour' as dimension,
        lpad(cast(handoff_hour as {{ dbt.type_string() }}), 2, '0') as dimension_value,
        handoff_hour + 1 as value_order
    from placed
    where handoff_hour is not null

),

counted as (

    select
        sla_version,
        cohort,
        cohort_start as cohort_month,
        outcome_window_days,
        stratum as icp_tier,
        dimension,
        dimension_value,
        value_order,
        count(*) as handoffs
        {%- for _, plural, flag in outcomes %},
        sum(case when {{ flag }} then 1 else 0 end) as {{ plural }}
        {%- endfor %}
    from valued
    group by sla_version, cohort, cohort_start, outcome_window_days, stratum, dimension, dimension_value, value_order

),

strata as (

    select
        sla_version,
        cohort,
        icp_tier,
        handoffs as stratum_handoffs
        {%- for _, plural, _ in outcomes %},
        {{ plural }} as stratum_{{ plural }}
        {%- endfor %}
    from counted
    where dimension = 'overall'

),

rated as (

    select
        counted.*,
        strata.stratum_handoffs
        {%- for outcome, plural, _ in outcomes %},
        strata.stratum_{{ plural }},
        cast(strata.stratum_{{ plural }} as {{ float }}) / strata.stratum_handoffs as stratum_{{ outcome }}_rate,
        cast(counted.{{ plural }} as {{ float }}) / counted.handoffs as {{ outcome }}_rate,
        {{ wilson_interval_bound('counted.' ~ plural, 'counted.handoffs', 'lower') }} as {{ outcome }}_rate_lower_95,
        {{ wilson_interval_bound('counted.' ~ plural, 'counted.handoffs', 'upper') }} as {{ outcome }}_rate_upper_95
        {%- endfor %}
    from counted
    inner join strata
        on counted.sla_version = strata.sla_version
        and counted.cohort = strata.cohort
        and counted.icp_tier = strata.icp_tier

)

select
    {{ dbt.hash(dbt.concat(['sla_version', "'|'", 'cohort', "'|'", 'icp_tier', "'|'", 'dimension', "'|'", 'dimension_value'])) }}
        as followup_evidence_id,
    sla_version,
    cohort,
    cohort_month,
    outcome_window_days,
    icp_tier,
    dimension,
    dimension_value,
    value_order,
    cast(handoffs as bigint) as handoffs,
    cast(stratum_handoffs as bigint) as stratum_handoffs,
    cast(handoffs as {{ float }}) / stratum_handoffs as share_of_handoffs
    {%- for outcome, plural, _ in outcomes %},
    cast({{ plural }} as bigint) as {{ plural }},
    {{ outcome }}_rate,
    {{ outcome }}_rate_lower_95,
    {{ outcome }}_rate_upper_95,
    stratum_{{ outcome }}_rate,
    case when stratum_{{ plural }} > 0 then {{ outcome }}_rate / stratum_{{ outcome }}_rate end as {{ outcome }}_lift,
    case when stratum_{{ plural }} > 0 then {{ outcome }}_rate_lower_95 / stratum_{{ outcome }}_rate end
        as {{ outcome }}_lift_lower_95,
    case when stratum_{{ plural }} > 0 then {{ outcome }}_rate_upper_95 / stratum_{{ outcome }}_rate end
        as {{ outcome }}_lift_upper_95,
    coalesce(
        stratum_{{ plural }} > 0
            and ({{ outcome }}_rate_lower_95 > stratum_{{ outcome }}_rate or {{ outcome }}_rate_upper_95 < stratum_{{ outcome }}_rate),
        false
    ) as is_{{ outcome }}_lift_supported
    {%- endfor %}
from rated
