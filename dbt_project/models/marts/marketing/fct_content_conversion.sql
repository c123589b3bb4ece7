{#- Content that converts: what followed people's first engagement with each content piece (a
    landing page, a form, a campaign), per closed month cohort and pooled over every closed month.
    Built from int_content_engagements_judged (population, window, cohorts, outcomes).

    Grain: one row per content kind, content id and cohort (a month `YYYY-MM`, or `all_closed`: every
    closed month pooled). Any-touch counts every person who engaged with the piece; first-touch
    counts only those for whom the piece was the first of its kind they engaged with. Each rate comes
    with its 95% Wilson interval (macro wilson_interval_bound). Beside them, the piece's reach among
    new leads: of the leads created in the cohort's month(s), the share that engaged with the piece
    at or before becoming a lead. -#}

{%- set float = type_ratio() -%}
{%- set attributions = [('', 'true'), ('first_touch_', 'is_first_touch')] -%}
{#- rate -> (successes, trials) -#}
{%- set rates = [('lead', 'leads_created', 'prospects'), ('mql', 'mqls', 'people'), ('win', 'wins', 'people')] -%}

with judged as (

    select * from {{ ref('int_content_engagements_judged') }}

),

pieces as (

    select distinct content_kind, content_id, content_name
    from {{ ref('int_content_engagements_identified') }}

),

-- every closed cohort's engagement in its month's cohort and in the pooled one
placed as (

    select
        judged.*,
        case
            when kinds.cohort_kind = 'month' then left(cast(judged.cohort_month as {{ dbt.type_string() }}), 7)
            else 'all_closed'
        end as cohort,
        case when kinds.cohort_kind = 'month' then judged.cohort_month end as placed_month
    from judged
    cross join (select 'month' as cohort_kind union all select 'all_closed' as cohort_kind) as kinds

),

engagement_counts as (

    select
        content_kind,
        content_id,
        cohort,
        placed_month as cohort_month,
        {%- for prefix, flag in attributions %}
        sum(case when {{ flag }} then 1 else 0 end) as {{ prefix }}people,
        sum(case when {{ flag }} and is_prospect then 1 else 0 end) as {{ prefix }}prospects,
        sum(case when {{ flag }} and is_prospect and became_lead then 1 else 0 end) as {{ prefix }}leads_created,
        sum(case when {{ flag }} and became_mql then 1 else 0 end) as {{ prefix }}mqls,
        sum(case when {{ flag }} and is_won then 1 else 0 end) as {{ prefix }}wins{{ ',' if not loop.last }}
        {%- endfor %}
    from placed
    group by content_kind, content_id, cohort, placed_month

),

-- the leads created in closed months, and the pieces each engaged with at or before becoming a lead
new_leads as (

    select lead_id, first_identified_at, {{ dbt.date_trunc('month', 'first_identified_date') }} as cohort_month
    from {{ ref('int_leads_attributed') }}
    where first_identified_at is not null
        and {{ content_cohort_is_closed(dbt.date_trunc('month', 'first_identified_date')) }}

),

month_leads as (

    select cohort_month, count(*) as cohort_leads
    from new_leads
    group by cohort_month

),

reach as (

    select
        content_kind,
        content_id,
        cohort,
        placed_month as cohort_month,
        count(*) as leads_touched
    from (
        select
            engagements.content_kind,
            engagements.content_id,
            case
                when kinds.cohort_kind = 'month' then left(cast(new_leads.cohort_month as {{ dbt.type_string() }}), 7)
                else 'all_closed'
            end as cohort,
            case when kinds.cohort_kind = 'month' then new_leads.cohort_month end as placed_month
        from new_leads
        inner join {{ ref('int_content_engagements_identified') }} as engagements
            on new_leads.lead_id = engagements.lead_id
            and engagements.engaged_at <= new_leads.first_identified_at
        cross join (select 'month' as cohort_kind union all select 'all_closed' as cohort_kind) as kinds
    ) as touched
    group by content_kind, content_id, cohort, placed_month

),

cohort_leads as (

    select left(cast(cohort_month as {{ dbt.type_string() }}), 7) as cohort, cohort_leads from month_leads
    union all
    select 'all_closed' as cohort, sum(cohort_leads) as cohort_leads from month_leads

),

keys as (

    select content_kind, content_id, cohort, cohort_month from engagement_counts
    union
    select content_kind, content_id, cohort, cohort_month from reach

),

counted as (

    select
        keys.content_kind,
        keys.content_id,
        pieces.content_name,
        keys.cohort,
        cast(keys.cohort_month as date) as cohort_month,
        {%- for prefix, _ in attributions %}
        {%- for column in ['people', 'prospects', 'leads_created', 'mqls', 'wins'] %}
        coalesce(engagement_counts.{{ prefix }}{{ column }}, 0) as {{ prefix }}{{ column }},
        {%- endfor %}
        {%- endfor %}
        coalesce(cohort_leads.cohort_leads, 0) as cohort_leads,
        coalesce(reach.leads_touched, 0) as leads_touched
    from keys
    inner join pieces
        on keys.content_kind = pieces.content_kind
        and keys.content_id = pieces.content_id
    left join engagement_counts
        on keys.content_kind = engagement_counts.content_kind
        and keys.content_id = engagement_counts.content_id
        and keys.cohort = engagement_counts.cohort
    left join reach
        on keys.content_kind = reach.content_kind
        and keys.content_id = reach.content_id
        and keys.cohort = reach.cohort
    left join cohort_leads
        on keys.cohort = cohort_leads.cohort

)

select
    {{ dbt.hash(dbt.concat(['content_kind', "'|'", 'content_id', "'|'", 'cohort'])) }} as content_conversion_id,
    content_kind,
    content_id,
    content_name,
    cohort,
    cohort_month,
    {{ var('content_window_days') }} as window_days
    {%- for prefix, _ in attributions %}
    {%- for column in ['people', 'prospects', 'leads_created', 'mqls', 'wins'] %},
    cast({{ prefix }}{{ column }} as bigint) as {{ 'engaged_people' if column == 'people' and prefix == '' else prefix ~ column }}
    {%- endfor %}
    {%- for rate, successes, trials in rates %},
    case when {{ prefix }}{{ trials }} > 0
        then cast({{ prefix }}{{ successes }} as {{ float }}) / {{ prefix }}{{ trials }} end as {{ prefix }}{{ rate }}_rate,
    {{ wilson_interval_bound(prefix ~ successes, prefix ~ trials, 'lower') }} as {{ prefix }}{{ rate }}_rate_lower_95,
    {{ wilson_interval_bound(prefix ~ successes, prefix ~ trials, 'upper') }} as {{ prefix }}{{ rate }}_rate_upper_95
    {%- endfor %}
    {%- endfor %},
    cast(cohort_leads as bigint) as cohort_leads,
    cast(leads_touched as bigint) as leads_touched,
    case when cohort_leads > 0 then cast(leads_touched as {{ float }}) / cohort_leads end as share_of_leads_touched
from counted
