{#- One row per handoff and ownership spell: who owned the lead, from when to when, between the
    handoff and the contact's next handoff (or the end of the build day).

    The owner in place at the handoff (the latest assignment at or before it) owns the first spell
    from the handoff on; every later assignment starts a new spell. An owner counts only while
    active: a deactivated rep's spell ends at the deactivation, and the lead is ownerless
    (`owner_id` null) until someone active is assigned. An assignment with no owner is an
    ownerless spell too. Consecutive spells of the same owner are one spell. -#}

with handoffs as (

    select handoff_id, contact_id, handed_off_at, next_handoff_at
    from {{ ref('int_handoffs_sequenced') }}

),

assignments as (

    select assignment_id, contact_id, owner_id, assigned_at
    from {{ ref('stg_crm__owner_assignments') }}

),

-- the assignment in force at the handoff, if any
in_place as (

    select
        handoffs.handoff_id,
        assignments.owner_id,
        handoffs.handed_off_at as starts_at,
        assignments.assignment_id,
        row_number() over (
            partition by handoffs.handoff_id
            order by assignments.assigned_at desc, assignments.assignment_id desc
        ) as recency
    from handoffs
    inner join assignments
        on handoffs.contact_id = assignments.contact_id
        and assignments.assigned_at <= handoffs.handed_off_at

),

assignment_starts as (

    select handoff_id, owner_id, starts_at, assignment_id
    from in_place
    where recency = 1

    union all

    select handoffs.handoff_id, assignments.owner_id, assignments.assigned_at as starts_at, assignments.assignment_id
    from handoffs
    inner join assignments
        on handoffs.contact_id = assignments.contact_id
        and assignments.assigned_at > handoffs.handed_off_at
        and (handoffs.next_handoff_at is null or assignments.assigned_at < handoffs.next_handoff_at)

    union all

    -- no owner in place at the handoff: ownerless until the first assignment
    select handoffs.handoff_id, cast(null as {{ dbt.type_string() }}) as owner_id, handoffs.handed_off_at as starts_at,
        cast(null as {{ dbt.type_string() }}) as assignment_id
    from handoffs
    where not exists (
        select 1 from in_place where in_place.handoff_id = handoffs.handoff_id
    )

),

assigned_spells as (

    select
        assignment_starts.handoff_id,
        assignment_starts.owner_id,
        assignment_starts.starts_at,
        coalesce(
            lead(assignment_starts.starts_at) over (
                partition by assignment_starts.handoff_id
                order by assignment_starts.starts_at, assignment_starts.assignment_id
            ),
            handoffs.next_handoff_at
        ) as ends_at,
        row_number() over (
            partition by assignment_starts.handoff_id
            order by assignment_starts.starts_at, assignment_starts.assignment_id
        ) as assignment_order
    from assignment_starts
    inner join handoffs
        on assignment_starts.handoff_id = handoffs.handoff_id

),

-- each owner's active and inactive periods; before an owner's first version, that version's status
owner_periods as (

    select
        owner_id,
        active,
        case
            when row_number() over (partition by owner_id order by valid_from, user_version_id) = 1
                then cast('1900-01-01' as timestamp)
            else valid_from
        end as period_from,
        valid_to as period_to
    from {{ ref('stg_crm__users') }}

),

-- spells cut by the owner's periods; an owner the CRM does not describe counts as active
effective_pieces as (

    select
        assigned_spells.handoff_id,
        assigned_spells.assignment_order,
        case when coalesce(owner_periods.active, true) then assigned_spells.owner_id end as owner_id,
        assigned_spells.owner_id as assigned_owner_id,
        case
            when owner_periods.period_from > assigned_spells.starts_at then owner_periods.period_from
            else assigned_spells.starts_at
        end as starts_at,
        case
            when owner_periods.period_to is not null
                and (assigned_spells.ends_at is null or owner_periods.period_to < assigned_spells.ends_at)
                then owner_periods.period_to
            else assigned_spells.ends_at
        end as ends_at
    from assigned_spells
    left join owner_periods
        on assigned_spells.owner_id = owner_periods.owner_id
        and (owner_periods.period_to is null or owner_periods.period_to > assigned_spells.starts_at)
        and (assigned_spells.ends_at is null or owner_periods.period_from < assigned_spells.ends_at)

),

nonempty_pieces as (

    select *
    from effective_pieces
    where ends_at is null or ends_at > starts_at

),

-- consecutive pieces with the same effective owner form one spell
islands as (

    select
        nonempty_pieces.*,
        sum(is_new_spell) over (
            partition by handoff_id order by starts_at, assignment_order
            rows between unbounded preceding and current row
        ) as spell_number
    from (
        select
            nonempty_pieces.*,
            case
                when lag(owner_id) over (partition by handoff_id order by starts_at, assignment_order) is null
                    and owner_id is null
                    and row_number() over (partition by handoff_id order by starts_at, assignment_order) > 1
                    then 0
                when lag(owner_id) over (partition by handoff_id order by starts_at, assignment_order) = owner_id then 0
                else 1
            end as is_new_spell
        from nonempty_pieces
    ) as nonempty_pieces

)

select
    {{ dbt.hash(dbt.concat(['handoff_id', "'|'", dbt.safe_cast('spell_number', dbt.type_string())])) }} as owner_spell_id,
    handoff_id,
    cast(spell_number as integer) as spell_number,
    max(owner_id) as owner_id,
    -- the owner the CRM had assigned at the spell's start (for an ownerless spell: the inactive one)
    min(assigned_owner_id) as assigned_owner_id,
    min(starts_at) as starts_at,
    case when count(*) = count(ends_at) then max(ends_at) end as ends_at
from islands
group by handoff_id, spell_number
