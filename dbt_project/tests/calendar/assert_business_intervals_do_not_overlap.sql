-- Invariant: a calendar's working intervals are disjoint and in order, so the business clock is
-- monotonic: each interval ends at or before the next one starts, and cumulative seconds chain.
with ordered as (
    select
        calendar_id,
        interval_start_at,
        interval_end_at,
        cumulative_seconds_before,
        lag(interval_end_at) over (partition by calendar_id order by interval_start_at) as previous_end_at,
        lag(cumulative_seconds_after) over (partition by calendar_id order by interval_start_at) as previous_cumulative
    from {{ ref('int_business_intervals_cumulated') }}
)
select *
from ordered
where interval_end_at <= interval_start_at
    or previous_end_at > interval_start_at
    or (previous_cumulative is not null and previous_cumulative <> cumulative_seconds_before)
