{#- One row per lead and profile attribute: the latest known value, when that value was first and
    last seen, from which source, how often, and whether conflicting values were seen (see the
    has_conflict doc). -#}

with observations as (

    select
        observations.*,
        case source when 'crm' then 2 else 1 end as source_order
    from {{ ref('int_profile_observations_unpivoted') }} as observations

),

history as (

    select * from {{ ref('int_lead_profiles_historized') }}

),

latest_observations as (

    select *
    from (
        select
            observations.*,
            row_number() over (
                partition by lead_id, attribute
                order by observed_at desc, source_order desc, source_record_id desc
            ) as recency_rank
        from observations
    ) as ranked
    where recency_rank = 1

),

value_stats as (

    select
        lead_id,
        attribute,
        attribute_value,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as times_seen
    from observations
    group by lead_id, attribute, attribute_value

),

-- each source's own latest value
source_latest as (

    select lead_id, attribute, source, attribute_value
    from (
        select
            observations.*,
            row_number() over (
                partition by lead_id, attribute, source
                order by observed_at desc, source_record_id desc
            ) as recency_rank
        from observations
    ) as ranked
    where recency_rank = 1

),

sources_disagree as (

    select lead_id, attribute, count(distinct attribute_value) > 1 as sources_disagree
    from source_latest
    group by lead_id, attribute

),

-- a value that had been replaced and was reported again (A, B, A) is a conflict, not a change
value_runs as (

    select
        lead_id,
        attribute,
        count(*) as value_intervals,
        count(distinct attribute_value) as distinct_values_seen
    from history
    group by lead_id, attribute

)

select
    {{ dbt.hash(dbt.concat(['latest_observations.lead_id', "'|'", 'latest_observations.attribute'])) }} as lead_attribute_id,
    latest_observations.lead_id,
    latest_observations.contact_id,
    latest_observations.attribute,
    latest_observations.attribute_value,
    value_stats.first_seen_at,
    value_stats.last_seen_at,
    latest_observations.source,
    value_stats.times_seen,
    value_runs.distinct_values_seen,
    (sources_disagree.sources_disagree or value_runs.value_intervals > value_runs.distinct_values_seen) as has_conflict
from latest_observations
inner join value_stats
    on latest_observations.lead_id = value_stats.lead_id
    and latest_observations.attribute = value_stats.attribute
    and latest_observations.attribute_value = value_stats.attribute_value
inner join sources_disagree
    on latest_observations.lead_id = sources_disagree.lead_id
    and latest_observations.attribute = sources_disagree.attribute
inner join value_runs
    on latest_observations.lead_id = value_runs.lead_id
    and latest_observations.attribute = value_runs.attribute
