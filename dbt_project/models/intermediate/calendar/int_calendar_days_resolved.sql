{#- One row per business calendar and local day: the zone, country (and subdivision, whose regional
    public holidays apply) and working hours in force that day and whether it is a working day. Calendars: every CRM user (calendar_id = owner_id) and the
    agreement's `default` calendar for unassigned leads. An owner's day uses the latest user version
    updated on or before that day, in the version's zone (a rep who changes zone or hours mid-period changes calendar from
    that day on); days before a rep's first version use that first version, never a default zone.
    A version without valid working hours takes the default calendar's hours. Days run from a week
    before the first handoff to a horizon after the build day, since due times and attempt windows
    can end after it. -#}

{%- set horizon_days = var('sla_calendar_horizon_days', 120) -%}
{%- set lookback_days = var('sla_calendar_lookback_days', 7) -%}

with sla_versions as (

    select * from {{ ref('stg_agreement__sla_versions') }}

),

holidays as (

    select * from {{ ref('stg_agreement__public_holidays') }}

),

-- the subdivisions that have a calendar of their own
holiday_subdivisions as (

    select distinct country, subdivision from holidays where subdivision is not null

),

bounds as (

    -- a bound, not a day comparison: the UTC day of the first handoff is at most one day after its
    -- local day in any zone, and the lookback (a week) covers that
    select
        {{ dbt.dateadd('day', -lookback_days, 'coalesce(min(cast(handed_off_at as date)), ' ~ run_date() ~ ')') }} as first_day,
        {{ dbt.dateadd('day', horizon_days, run_date()) }} as last_day
    from {{ ref('int_handoffs_sequenced') }}

),

numbers as (

    {{ dbt.generate_series(8192) }}

),

days as (

    select cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} as date) as calendar_date
    from numbers
    cross join bounds
    where {{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} <= bounds.last_day

),

default_days as (

    select
        days.calendar_date,
        sla_versions.sla_version,
        sla_versions.default_timezone,
        sla_versions.default_country,
        sla_versions.default_work_start,
        sla_versions.default_work_end
    from days
    inner join sla_versions
        on days.calendar_date >= sla_versions.effective_from
        and (sla_versions.effective_to is null or days.calendar_date < sla_versions.effective_to)

),

user_versions as (

    select
        owner_id,
        user_version_id,
        timezone,
        country,
        subdivision,
        work_start,
        work_end,
        valid_from,
        -- the first local day a version judges: the day it was updated, in its own zone, since the
        -- calendar days it is compared with are days of that zone (a UTC day would move an update in
        -- the rep's evening west of UTC to the next day, and one in the morning east of it to the day
        -- before); the earliest version of a user also judges every day before it, so a rep's history
        -- never falls back to a default
        case
            when row_number() over (partition by owner_id order by valid_from, user_version_id) = 1
                then cast('1900-01-01' as date)
            else cast({{ utc_to_local('valid_from', "coalesce(timezone, '" ~ var('reporting_timezone') ~ "')") }} as date)
        end as first_day_in_force
    from {{ ref('stg_crm__users') }}

),

owners as (

    select distinct owner_id from user_versions

),

owner_day_versions as (

    select
        owners.owner_id,
        default_days.calendar_date,
        user_versions.user_version_id,
        user_versions.timezone,
        user_versions.country,
        user_versions.subdivision,
        user_versions.work_start,
        user_versions.work_end,
        row_number() over (
            partition by owners.owner_id, default_days.calendar_date
            order by user_versions.valid_from desc, user_versions.user_version_id desc
        ) as version_rank
    from owners
    cross join default_days
    inner join user_versions
        on owners.owner_id = user_versions.owner_id
        and user_versions.first_day_in_force <= default_days.calendar_date

),

calendars as (

    select
        owner_day_versions.owner_id as calendar_id,
        owner_day_versions.owner_id,
        owner_day_versions.calendar_date,
        default_days.sla_version,
        owner_day_versions.user_version_id,
        coalesce(owner_day_versions.timezone, default_days.default_timezone) as timezone,
        coalesce(owner_day_versions.country, default_days.default_country) as country,
        case when owner_day_versions.country is not null then owner_day_versions.subdivision end as subdivision,
        case
            when owner_day_versions.work_start is not null and owner_day_versions.work_end > owner_day_versions.work_start
                then owner_day_versions.work_start
            else default_days.default_work_start
        end as work_start,
        case
            when owner_day_versions.work_start is not null and owner_day_versions.work_end > owner_day_versions.work_start
                then owner_day_versions.work_end
            else default_days.default_work_end
        end as work_end
    from owner_day_versions
    inner join default_days
        on owner_day_versions.calendar_date = default_days.calendar_date
    where owner_day_versions.version_rank = 1

    union all

    select
        'default' as calendar_id,
        cast(null as {{ dbt.type_string() }}) as owner_id,
        calendar_date,
        sla_version,
        cast(null as {{ dbt.type_string() }}) as user_version_id,
        default_timezone as timezone,
        default_country as country,
        cast(null as {{ dbt.type_string() }}) as subdivision,
        default_work_start as work_start,
        default_work_end as work_end
    from default_days

)

select
    calendars.calendar_id,
    calendars.owner_id,
    calendars.calendar_date,
    calendars.sla_version,
    calendars.user_version_id,
    calendars.timezone,
    calendars.country,
    holiday_subdivisions.subdivision,
    calendars.work_start,
    calendars.work_end,
    holidays.holiday_name,
    {{ iso_weekday('calendars.calendar_date') }} in (6, 7) as is_weekend,
    holidays.holiday_date is not null as is_public_holiday,
    ({{ iso_weekday('calendars.calendar_date') }} not in (6, 7) and holidays.holiday_date is null) as is_working_day,
    {{ local_to_utc(dbt.dateadd('second', seconds_of_day('calendars.work_start'), 'cast(calendars.calendar_date as timestamp)'), 'calendars.timezone') }}
        as work_start_at,
    {{ local_to_utc(dbt.dateadd('second', seconds_of_day('calendars.work_end'), 'cast(calendars.calendar_date as timestamp)'), 'calendars.timezone') }}
        as work_end_at
from calendars
-- a subdivision with a calendar of its own uses it (national plus regional days); any other the national one
left join holiday_subdivisions
    on calendars.country = holiday_subdivisions.country
    and calendars.subdivision = holiday_subdivisions.subdivision
left join holidays
    on calendars.country = holidays.country
    and coalesce(holidays.subdivision, '') = coalesce(holiday_subdivisions.subdivision, '')
    and calendars.calendar_date = holidays.holiday_date
