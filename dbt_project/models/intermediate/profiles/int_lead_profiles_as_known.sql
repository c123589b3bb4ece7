{#- One row per lead, attribute and interval during which a value was the one a nightly run would
    have known: an interval of int_lead_profiles_historized becomes known from the later of its own
    valid_from and the start (in the reporting zone) of its known_on day, and is then the known
    value while it is the latest known interval by valid_from. A value that arrives late but was
    already superseded by a later value known before it is never the known value. -#}

with history as (

    select lead_id, attribute, interval_number, attribute_value, valid_from, known_on
    from {{ ref('int_lead_profiles_historized') }}
    where known_on is not null

),

-- each export day's start in the reporting zone, converted once per day rather than once per row
day_starts as (

    select known_on, {{ reporting_day_start_utc('known_on') }} as day_start_at
    from (select distinct known_on from history) as known_days

),

available as (

    select
        history.*,
        case when day_starts.day_start_at > history.valid_from then day_starts.day_start_at else history.valid_from end
            as known_from
    from history
    inner join day_starts
        on history.known_on = day_starts.known_on

),

-- the latest interval (by interval_number, i.e. by valid_from) known before each one became known
ranked as (

    select
        available.*,
        max(interval_number) over (
            partition by lead_id, attribute
            order by known_from, interval_number
            rows between unbounded preceding and 1 preceding
        ) as latest_known_before
    from available

),

superseding as (

    select *
    from ranked
    where latest_known_before is null or interval_number > latest_known_before

)

select
    lead_id,
    attribute,
    interval_number,
    attribute_value,
    known_from as valid_from,
    lead(known_from) over (partition by lead_id, attribute order by known_from, interval_number) as valid_to,
    known_on
from superseding
