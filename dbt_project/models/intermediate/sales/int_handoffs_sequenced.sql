{#- One row per handoff: a lifecycle change into mql. A contact that is already in mql
    does not hand off again; a lead that left mql (recycled, disqualified, back to lead) and becomes
    mql again is a new handoff. The outcome is the first change out of mql after the handoff and
    before the next one: sql/opportunity/customer = accepted, disqualified, recycled (recycled or
    back to lead/subscriber); none yet = open. -#}

with changes as (

    select
        change_id,
        contact_id,
        from_stage,
        to_stage,
        changed_at,
        known_on,
        row_number() over (partition by contact_id order by changed_at, change_id) as change_number,
        lag(to_stage) over (partition by contact_id order by changed_at, change_id) as previous_to_stage
    from {{ ref('stg_crm__lifecycle_changes') }}

),

handoffs as (

    select
        change_id as handoff_id,
        contact_id,
        changed_at as handed_off_at,
        known_on,
        change_number,
        row_number() over (partition by contact_id order by changed_at, change_id) as handoff_number
    from changes
    where to_stage = 'mql'
        and coalesce(previous_to_stage, from_stage, 'none') <> 'mql'

),

bounded as (

    select
        handoffs.*,
        lag(handed_off_at) over (partition by contact_id order by handoff_number) as previous_handoff_at,
        lead(handed_off_at) over (partition by contact_id order by handoff_number) as next_handoff_at,
        lead(change_number) over (partition by contact_id order by handoff_number) as next_handoff_change_number
    from handoffs

),

exits as (

    select
        bounded.handoff_id,
        changes.to_stage as outcome_stage,
        changes.changed_at as outcome_at,
        changes.known_on as outcome_known_on,
        case
            when changes.to_stage in ('sql', 'opportunity', 'customer') then 'accepted'
            when changes.to_stage = 'disqualified' then 'disqualified'
            else 'recycled'
        end as outcome,
        row_number() over (partition by bounded.handoff_id order by changes.change_number) as exit_rank
    from bounded
    inner join changes
        on bounded.contact_id = changes.contact_id
        and changes.change_number > bounded.change_number
        and (bounded.next_handoff_change_number is null or changes.change_number < bounded.next_handoff_change_number)
        and changes.to_stage <> 'mql'

),

first_exits as (

    select * from exits where exit_rank = 1

),

with_outcome as (

    select
        bounded.handoff_id,
        bounded.contact_id,
        bounded.handed_off_at,
        bounded.known_on,
        bounded.handoff_number,
        bounded.previous_handoff_at,
        bounded.next_handoff_at,
        coalesce(first_exits.outcome, 'open') as outcome,
        first_exits.outcome_stage,
        first_exits.outcome_at,
        first_exits.outcome_known_on
    from bounded
    left join first_exits
        on bounded.handoff_id = first_exits.handoff_id

),

-- the contact's lead status at the outcome (the version in force then); for open handoffs, the latest
status_versions as (

    select
        with_outcome.handoff_id,
        contacts.lead_status,
        row_number() over (partition by with_outcome.handoff_id order by contacts.valid_from desc) as version_rank
    from with_outcome
    inner join {{ ref('stg_crm__contacts') }} as contacts
        on with_outcome.contact_id = contacts.contact_id
        and (with_outcome.outcome_at is null or contacts.valid_from <= with_outcome.outcome_at)

)

select
    with_outcome.handoff_id,
    with_outcome.contact_id,
    with_outcome.handed_off_at,
    with_outcome.known_on,
    with_outcome.handoff_number,
    with_outcome.previous_handoff_at,
    with_outcome.next_handoff_at,
    with_outcome.outcome,
    with_outcome.outcome_stage,
    with_outcome.outcome_at,
    with_outcome.outcome_known_on,
    status_versions.lead_status as outcome_lead_status
from with_outcome
left join status_versions
    on with_outcome.handoff_id = status_versions.handoff_id
    and status_versions.version_rank = 1
