{#- One row per handoff: its two first-touch clocks, as business-clock positions and instants.

    - Team view: the first active owner's clock, from the later of the handoff and that owner's
      assignment (the default calendar from the handoff when no active owner was ever assigned);
      it never restarts. Routing: no active owner within the routing limit is a routing breach.
    - Rep view: the clock of the owner held to the deadline, the owner of the deciding spell
      (int_handoff_owner_deadlines), from the start of that spell.

    Positions are business seconds on the clock's calendar (macros/business_clock.sql); comparing
    positions, not instants, decides met or late, so a touch made after closing time but before
    the next opening, on a deadline that fell at closing time, is exactly on time. -#}

{%- set intervals = ref('int_business_intervals_cumulated') -%}

with handoffs as (

    select * from {{ ref('int_handoffs_profiled') }}

),

spells as (

    select * from {{ ref('int_handoff_owner_deadlines') }}

),

first_owned as (

    select handoff_id, owner_id, starts_at, spell_number,
        row_number() over (partition by handoff_id order by spell_number) as owned_order
    from spells
    where owner_id is not null

),

deciding as (

    select * from spells where is_deciding_spell

),

first_touches as (

    select handoff_id, occurred_at as first_touch_at
    from {{ ref('int_handoff_activities_classified') }}
    where touch_number = 1

),

-- routing: each ownerless spell up to the deciding one has its own routing deadline; it is met
-- when an active owner arrives (the spell ends) or the lead is touched before it passes
ownerless as (

    select
        spells.handoff_id,
        spells.routing_due_at,
        case
            when first_touches.first_touch_at >= spells.starts_at
                and (spells.ends_at is null or first_touches.first_touch_at < spells.ends_at)
                then first_touches.first_touch_at
            else spells.ends_at
        end as routing_end_at
    from spells
    left join first_touches
        on spells.handoff_id = first_touches.handoff_id
    where spells.owner_id is null
        and spells.is_before_decision

),

routing as (

    select
        handoff_id,
        min(routing_due_at) as routing_due_at,
        max(
            case
                when routing_due_at is null then 0
                when routing_end_at is null and routing_due_at < {{ as_of_utc() }} then 1
                when routing_end_at > routing_due_at then 1
                else 0
            end
        ) as routing_breaches
    from ownerless
    group by handoff_id

),

clocked as (

    select
        handoffs.handoff_id,
        handoffs.handed_off_at,
        handoffs.sla_target_business_minutes,
        first_owned.owner_id,
        first_owned.starts_at as owner_assigned_at,
        case
            when first_owned.starts_at > handoffs.handed_off_at then first_owned.starts_at
            else handoffs.handed_off_at
        end as clock_started_at,
        coalesce(first_owned.owner_id, 'default') as calendar_id,
        first_touches.first_touch_at,
        deciding.owner_id as rep_owner_id,
        case when deciding.owner_id is not null then deciding.starts_at end as rep_clock_started_at,
        coalesce(deciding.owner_id is not null and deciding.spell_number > first_owned.spell_number, false)
            as is_reassigned,
        case when deciding.owner_id is not null then deciding.start_position end as rep_clock_start_position,
        case when deciding.owner_id is not null then deciding.due_position end as rep_due_position,
        deciding.rep_sla_due_at,
        coalesce(deciding.owner_id, 'default') as rep_calendar_id,
        routing.routing_due_at,
        coalesce(routing.routing_breaches, 0) > 0 as is_routing_breach,
        {{ as_of_utc() }} as as_of_at
    from handoffs
    left join first_owned
        on handoffs.handoff_id = first_owned.handoff_id
        and first_owned.owned_order = 1
    left join deciding
        on handoffs.handoff_id = deciding.handoff_id
    left join routing
        on handoffs.handoff_id = routing.handoff_id
    left join first_touches
        on handoffs.handoff_id = first_touches.handoff_id

),

team_positions as (

    select
        clocked.*,
        {{ clock_position('clock_start', 'clocked.clock_started_at') }} as clock_start_position,
        {{ clock_position('touch', 'clocked.first_touch_at') }} as touch_position,
        {{ clock_position('rep_touch', 'clocked.first_touch_at') }} as rep_touch_position,
        {{ clock_position('rep_now', 'clocked.as_of_at') }} as rep_as_of_position
    from clocked
    {{ join_clock_segment(intervals, 'clock_start', 'clocked.calendar_id', 'clocked.clock_started_at') }}
    {{ join_clock_segment(intervals, 'touch', 'clocked.calendar_id', 'clocked.first_touch_at') }}
    {{ join_clock_segment(intervals, 'rep_touch', 'clocked.rep_calendar_id', 'clocked.first_touch_at') }}
    {{ join_clock_segment(intervals, 'rep_now', 'clocked.rep_calendar_id', 'clocked.as_of_at') }}

),

team_due as (

    select
        team_positions.*,
        team_positions.clock_start_position + 60 * team_positions.sla_target_business_minutes as due_position,
        -- one second into the clock: the interval where business time really starts counting
        team_positions.clock_start_position + 1 as counting_start_position
    from team_positions

)

select
    team_due.handoff_id,
    team_due.owner_id,
    team_due.owner_assigned_at,
    team_due.clock_started_at,
    team_due.calendar_id,
    team_due.clock_start_position,
    team_due.due_position,
    {{ clock_instant('due', 'team_due.due_position') }} as sla_due_at,
    due.nominal_day_seconds as due_day_seconds,
    counting_start.business_day_number as window_first_day_number,
    team_due.first_touch_at,
    team_due.touch_position,
    team_due.routing_due_at,
    team_due.is_routing_breach,
    team_due.rep_owner_id,
    team_due.rep_clock_started_at,
    coalesce(team_due.is_reassigned, false) as is_reassigned,
    team_due.rep_calendar_id,
    team_due.rep_clock_start_position,
    team_due.rep_due_position,
    team_due.rep_sla_due_at,
    team_due.rep_touch_position,
    team_due.rep_as_of_position,
    rep_due.nominal_day_seconds as rep_due_day_seconds,
    case
        when team_due.rep_owner_id is not null and team_due.rep_due_position is not null
            then team_due.rep_due_position - team_due.rep_as_of_position
    end as rep_business_seconds_to_due
from team_due
{{ join_clock_interval_reaching(intervals, 'due', 'team_due.calendar_id', 'team_due.due_position') }}
{{ join_clock_interval_reaching(intervals, 'counting_start', 'team_due.calendar_id', 'team_due.counting_start_position') }}
{{ join_clock_interval_reaching(intervals, 'rep_due', 'team_due.rep_calendar_id', 'team_due.rep_due_position') }}
