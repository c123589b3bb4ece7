{#- One row per day (reporting zone) and sales rep on the roster that day: every day from the first
    handoff's day to the build day, for every user of team sdr or ae active at the end of that day
    (the user version in force then; before a user's first version, the earliest one). The daily
    sales SLA lists each of them, with zeros on a quiet day. -#}

with bounds as (

    select
        coalesce(min({{ reporting_date('handed_off_at') }}), {{ run_date() }}) as first_day
    from {{ ref('int_handoffs_sequenced') }}

),

days as (

    {{ day_spine('(select first_day from bounds)', run_date()) }}

),

user_periods as (

    select
        owner_id,
        team,
        active,
        case
            when row_number() over (partition by owner_id order by valid_from, user_version_id) = 1
                then cast('1900-01-01' as timestamp)
            else valid_from
        end as period_from,
        valid_to as period_to
    from {{ ref('stg_crm__users') }}

),

day_ends as (

    select
        calendar_date,
        {{ reporting_day_start_utc(dbt.dateadd('day', 1, 'calendar_date')) }} as day_end_at
    from days

)

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('day_ends.calendar_date', dbt.type_string()), "'|'", 'user_periods.owner_id'])) }}
        as rep_day_id,
    day_ends.calendar_date,
    user_periods.owner_id,
    user_periods.team
from day_ends
inner join user_periods
    on user_periods.period_from < day_ends.day_end_at
    and (user_periods.period_to is null or user_periods.period_to >= day_ends.day_end_at)
where user_periods.active
    and user_periods.team in ('sdr', 'ae')
