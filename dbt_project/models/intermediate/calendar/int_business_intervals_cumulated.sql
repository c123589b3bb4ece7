{#- One row per business calendar and working interval (UTC), with the business seconds accumulated
    on that calendar before and after it: the table the business clock runs on (macros/business_clock.sql).
    A working day's hours, minus the owner's absences (the latest version of each: an absence moved
    or shortened frees the days it no longer covers; partial days cut, a fully absent day has no
    interval). -#}

with working_days as (

    select
        calendar_id,
        owner_id,
        calendar_date,
        timezone,
        work_start_at,
        work_end_at,
        {{ dbt.datediff('work_start_at', 'work_end_at', 'second') }} as nominal_day_seconds
    from {{ ref('int_calendar_days_resolved') }}
    where is_working_day
        and work_end_at > work_start_at

),

-- each absence as it stands now (its latest version), cut to the working days it touches
absences as (

    select absence_id, owner_id, starts_at, ends_at
    from {{ ref('stg_crm__user_absences') }}
    where is_latest

),

cuts as (

    select
        working_days.calendar_id,
        working_days.calendar_date,
        case when absences.starts_at > working_days.work_start_at then absences.starts_at else working_days.work_start_at end
            as cut_start_at,
        case when absences.ends_at < working_days.work_end_at then absences.ends_at else working_days.work_end_at end
            as cut_end_at
    from working_days
    inner join absences
        on working_days.owner_id = absences.owner_id
        and absences.starts_at < working_days.work_end_at
        and absences.ends_at > working_days.work_start_at

),

points as (

    select calendar_id, calendar_date, work_start_at as point_at from working_days
    union
    select calendar_id, calendar_date, work_end_at as point_at from working_days
    union
    select calendar_id, calendar_date, cut_start_at as point_at from cuts
    union
    select calendar_id, calendar_date, cut_end_at as point_at from cuts

),

pieces as (

    select
        calendar_id,
        calendar_date,
        point_at as piece_start_at,
        lead(point_at) over (partition by calendar_id, calendar_date order by point_at) as piece_end_at
    from points

),

open_pieces as (

    select pieces.calendar_id, pieces.calendar_date, pieces.piece_start_at, pieces.piece_end_at
    from pieces
    where pieces.piece_end_at is not null
        and not exists (
            select 1
            from cuts
            where cuts.calendar_id = pieces.calendar_id
                and cuts.calendar_date = pieces.calendar_date
                and pieces.piece_start_at >= cuts.cut_start_at
                and pieces.piece_start_at < cuts.cut_end_at
        )

),

intervals as (

    select
        open_pieces.calendar_id,
        working_days.owner_id,
        open_pieces.calendar_date,
        working_days.timezone,
        open_pieces.piece_start_at as interval_start_at,
        open_pieces.piece_end_at as interval_end_at,
        {{ dbt.datediff('open_pieces.piece_start_at', 'open_pieces.piece_end_at', 'second') }} as work_seconds,
        working_days.nominal_day_seconds
    from open_pieces
    inner join working_days
        on open_pieces.calendar_id = working_days.calendar_id
        and open_pieces.calendar_date = working_days.calendar_date

)

select
    {{ dbt.hash(dbt.concat(['calendar_id', "'|'", dbt.safe_cast('interval_start_at', dbt.type_string())])) }} as interval_id,
    calendar_id,
    owner_id,
    calendar_date,
    timezone,
    interval_start_at,
    interval_end_at,
    -- the segment of the first interval reaches back to any earlier instant: before a calendar's
    -- first opening (a rep away from the calendar's first day on) the clock waits at position 0
    case
        when row_number() over (partition by calendar_id order by interval_start_at) = 1
            then cast('1900-01-01' as timestamp)
        else interval_start_at
    end as segment_start_at,
    lead(interval_start_at) over (partition by calendar_id order by interval_start_at) as segment_end_at,
    work_seconds,
    nominal_day_seconds,
    cast(coalesce(
        sum(work_seconds) over (
            partition by calendar_id order by interval_start_at rows between unbounded preceding and 1 preceding
        ),
        0
    ) as bigint) as cumulative_seconds_before,
    cast(sum(work_seconds) over (
        partition by calendar_id order by interval_start_at rows between unbounded preceding and current row
    ) as bigint) as cumulative_seconds_after,
    dense_rank() over (partition by calendar_id order by calendar_date) as business_day_number
from intervals
