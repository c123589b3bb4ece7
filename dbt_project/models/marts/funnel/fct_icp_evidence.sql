{#- ICP evidence: does the profile predict wins? The population of an ICP version is
    every lead whose first handoff (mql) was judged by that version, with its profile and tier as
    known at that handoff; a win is a won, not deleted deal of the lead known at the build.

    Grain: one row per ICP version, evidence_type and (attribute, attribute_value):
    - evidence_type 'attribute_value': one row per ICP attribute of that version (industry,
      company_size, annual_revenue, need, seniority, country) and value seen at handoff, 'unknown'
      when the attribute was not known; rule_id and rule_points say whether the version rewards it;
    - evidence_type 'tier': attribute 'icp_tier', one row per tier (A, B, C) the version assigned,
      with the win probability the agreement expected of that tier, to show how well tiers predicted
      wins. -#}

{%- set float = type_ratio() -%}

with first_handoffs as (

    select contact_id, handed_off_at, icp_version, icp_tier
    from {{ ref('int_handoffs_profiled') }}
    where handoff_number = 1 and icp_version is not null

),

won_leads as (

    select distinct contact_id
    from {{ ref('stg_crm__deals') }}
    where is_latest and is_won and not is_deleted and contact_id is not null

),

population as (

    select
        first_handoffs.*,
        case when won_leads.contact_id is not null then 1 else 0 end as is_won
    from first_handoffs
    left join won_leads
        on first_handoffs.contact_id = won_leads.contact_id

),

rules as (

    select * from {{ ref('stg_agreement__icp_rules') }}

),

icp_attributes as (

    select distinct icp_version, attribute from rules

),

values_at_handoff as (

    select
        population.icp_version,
        population.is_won,
        icp_attributes.attribute,
        coalesce(history.attribute_value, 'unknown') as attribute_value
    from population
    inner join icp_attributes
        on population.icp_version = icp_attributes.icp_version
    left join {{ ref('int_lead_profiles_historized') }} as history
        on population.contact_id = history.lead_id
        and icp_attributes.attribute = history.attribute
        and history.valid_from <= population.handed_off_at
        and (history.valid_to is null or population.handed_off_at < history.valid_to)

),

overall as (

    select
        icp_version,
        count(*) as version_leads,
        sum(is_won) as version_wins
    from population
    group by icp_version

),

attribute_evidence as (

    select
        values_at_handoff.icp_version,
        'attribute_value' as evidence_type,
        values_at_handoff.attribute,
        values_at_handoff.attribute_value,
        rules.rule_id,
        rules.points as rule_points,
        cast(null as {{ float }}) as expected_win_probability,
        count(*) as leads,
        sum(values_at_handoff.is_won) as wins
    from values_at_handoff
    left join rules
        on values_at_handoff.icp_version = rules.icp_version
        and values_at_handoff.attribute = rules.attribute
        and values_at_handoff.attribute_value = rules.attribute_value
    group by
        values_at_handoff.icp_version, values_at_handoff.attribute, values_at_handoff.attribute_value,
        rules.rule_id, rules.points

),

tier_evidence as (

    select
        population.icp_version,
        'tier' as evidence_type,
        'icp_tier' as attribute,
        population.icp_tier as attribute_value,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        cast(null as integer) as rule_points,
        cast(max(win_rates.win_probability) as {{ float }}) as expected_win_probability,
        count(*) as leads,
        sum(population.is_won) as wins
    from population
    left join {{ ref('stg_agreement__icp_win_rates') }} as win_rates
        on population.icp_version = win_rates.icp_version
        and population.icp_tier = win_rates.tier
    group by population.icp_version, population.icp_tier

),

evidence as (

    select * from attribute_evidence
    union all
    select * from tier_evidence

)

select
    {{ dbt.hash(dbt.concat(['evidence.icp_version', "'|'", 'evidence.evidence_type', "'|'", 'evidence.attribute', "'|'", 'evidence.attribute_value'])) }}
        as icp_evidence_id,
    evidence.icp_version,
    evidence.evidence_type,
    evidence.attribute,
    evidence.attribute_value,
    evidence.rule_id,
    evidence.rule_points,
    cast(evidence.leads as integer) as leads,
    cast(evidence.wins as integer) as wins,
    cast(evidence.wins as {{ float }}) / evidence.leads as win_rate,
    cast(overall.version_wins as {{ float }}) / overall.version_leads as overall_win_rate,
    case
        when overall.version_wins > 0
            then cast(evidence.wins as {{ float }}) * overall.version_leads
                / (cast(evidence.leads as {{ float }}) * overall.version_wins)
    end as lift,
    {{ wilson_interval_bound('evidence.wins', 'evidence.leads', 'lower') }} as win_rate_lower_95,
    {{ wilson_interval_bound('evidence.wins', 'evidence.leads', 'upper') }} as win_rate_upper_95,
    cast(evidence.leads as {{ float }}) / overall.version_leads as share_of_leads,
    case when overall.version_wins > 0 then cast(evidence.wins as {{ float }}) / overall.version_wins end as share_of_wins,
    evidence.expected_win_probability
from evidence
inner join overall
    on evidence.icp_version = overall.icp_version
