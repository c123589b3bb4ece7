{#- One row per handoff and ownership spell, with the deadline the spell's owner is held to and
    whether the spell decided the handoff.

    - An owned spell's clock starts when it starts (for the first owner: the later of the handoff
      and the assignment) and its deadline is the handoff's first-touch target in business minutes
      of the owner's calendar from there (`rep_sla_due_at`).
    - An ownerless spell has no rep deadline; routing has the routing limit, in business minutes of
      the default calendar, to give the lead an active owner (`routing_due_at`).
    - The spell that decides the handoff is the first one during which the first touch happens or,
      for an owned spell, its deadline passes untouched: the rep held to the deadline is the owner
      at the moment that decided it. A change of owner before that moment restarts the rep's clock
      for the new owner. While nothing has decided yet, the current (last) spell is the deciding one. -#}

{%- set intervals = ref('int_business_intervals_cumulated') -%}

with spells as (

    select * from {{ ref('int_handoff_owner_spells') }}

),

handoffs as (

    select handoff_id, handed_off_at, sla_target_business_minutes, routing_limit_business_minutes
    from {{ ref('int_handoffs_profiled') }}

),

first_touches as (

    select handoff_id, occurred_at as first_touch_at
    from {{ ref('int_handoff_activities_classified') }}
    where touch_number = 1

),

spell_clocks as (

    select
        spells.*,
        handoffs.sla_target_business_minutes,
        handoffs.routing_limit_business_minutes,
        first_touches.first_touch_at,
        coalesce(spells.owner_id, 'default') as calendar_id
    from spells
    inner join handoffs
        on spells.handoff_id = handoffs.handoff_id
    left join first_touches
        on spells.handoff_id = first_touches.handoff_id

),

positioned as (

    select
        spell_clocks.*,
        {{ clock_position('spell_start', 'spell_clocks.starts_at') }} as start_position
    from spell_clocks
    {{ join_clock_segment(intervals, 'spell_start', 'spell_clocks.calendar_id', 'spell_clocks.starts_at') }}

),

targeted as (

    select
        positioned.*,
        case
            when positioned.owner_id is not null
                then positioned.start_position + 60 * positioned.sla_target_business_minutes
            else positioned.start_position + 60 * positioned.routing_limit_business_minutes
        end as due_position
    from positioned

),

timed as (

    select
        targeted.*,
        {{ clock_instant('spell_due', 'targeted.due_position') }} as due_at
    from targeted
    {{ join_clock_interval_reaching(intervals, 'spell_due', 'targeted.calendar_id', 'targeted.due_position') }}

),

decisions as (

    select
        timed.*,
        case when timed.owner_id is not null then timed.due_at end as rep_sla_due_at,
        case when timed.owner_id is null then timed.due_at end as routing_due_at,
        case
            when timed.first_touch_at >= timed.starts_at
                and (timed.ends_at is null or timed.first_touch_at < timed.ends_at)
                then true
            when timed.owner_id is not null
                and timed.due_at is not null
                and (timed.ends_at is null or timed.due_at < timed.ends_at)
                and (timed.first_touch_at is null or timed.first_touch_at > timed.due_at)
                then true
            else false
        end as decides
    from timed

),

ranked as (

    select
        decisions.*,
        min(case when decides then spell_number end) over (partition by handoff_id) as first_deciding_spell,
        max(spell_number) over (partition by handoff_id) as last_spell
    from decisions

)

select
    owner_spell_id,
    handoff_id,
    spell_number,
    owner_id,
    assigned_owner_id,
    starts_at,
    ends_at,
    calendar_id,
    start_position,
    due_position,
    rep_sla_due_at,
    routing_due_at,
    decides,
    spell_number = coalesce(first_deciding_spell, last_spell) as is_deciding_spell,
    spell_number <= coalesce(first_deciding_spell, last_spell) as is_before_decision
from ranked
