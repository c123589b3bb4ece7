{#- One row per lead, attribute and value interval: the value known from valid_from until the
    next different value was observed (valid_to, exclusive; null while still current). The most
    recent observation wins; at the same instant the CRM wins over a form. -#}

with observations as (

    select
        observations.*,
        case source when 'crm' then 2 else 1 end as source_order
    from {{ ref('int_profile_observations_unpivoted') }} as observations

),

sequenced as (

    select
        observations.*,
        row_number() over (
            partition by lead_id, attribute
            order by observed_at, source_order, source_record_id
        ) as observation_number,
        lag(attribute_value) over (
            partition by lead_id, attribute
            order by observed_at, source_order, source_record_id
        ) as previous_value
    from observations

),

-- a new interval starts where the value differs from the one before it
run_starts as (

    select
        sequenced.*,
        case when previous_value is null or previous_value <> attribute_value then 1 else 0 end as is_run_start
    from sequenced

),

numbered as (

    select
        run_starts.*,
        sum(is_run_start) over (
            partition by lead_id, attribute
            order by observation_number
            rows between unbounded preceding and current row
        ) as interval_number
    from run_starts

),

-- each interval has one start, its first observation: the source that reported the value first
intervals as (

    select
        lead_id,
        attribute,
        interval_number,
        max(contact_id) as contact_id,
        min(attribute_value) as attribute_value,
        min(observed_at) as valid_from,
        max(observed_at) as last_seen_at,
        count(*) as times_seen,
        min(known_on) as known_on,
        max(case when is_run_start = 1 then source end) as source
    from numbered
    group by lead_id, attribute, interval_number

)

select
    {{ dbt.hash(dbt.concat(['lead_id', "'|'", 'attribute', "'|'", dbt.safe_cast('interval_number', dbt.type_string())])) }}
        as profile_interval_id,
    lead_id,
    contact_id,
    attribute,
    interval_number,
    attribute_value,
    valid_from,
    lead(valid_from) over (partition by lead_id, attribute order by interval_number) as valid_to,
    last_seen_at,
    times_seen,
    source,
    known_on,
    (lead(valid_from) over (partition by lead_id, attribute order by interval_number) is null) as is_current
from intervals
