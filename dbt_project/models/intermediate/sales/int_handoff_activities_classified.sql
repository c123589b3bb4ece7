{#- One row per handoff and CRM activity on its contact between the handoff and the contact's next
    handoff (latest version of each activity): whether it is a touch, whether it reached the lead,
    and the touch's order. Only activities that happened by the end of the build day count: the CRM
    logs a meeting when it is booked, and a meeting still to come is not yet a touch. -#}

with handoffs as (

    select handoff_id, contact_id, handed_off_at, next_handoff_at
    from {{ ref('int_handoffs_sequenced') }}

),

activities as (

    select activity_id, contact_id, owner_id, type, direction, outcome, occurred_at
    from {{ ref('stg_crm__activities') }}
    where is_latest
        and occurred_at < {{ as_of_utc() }}

),

-- a user's team at an instant: the version in force then, else (before the first) the earliest
user_teams as (

    select
        owner_id,
        team,
        case
            when row_number() over (partition by owner_id order by valid_from, user_version_id) = 1
                then cast('1900-01-01' as timestamp)
            else valid_from
        end as team_from,
        valid_to as team_to
    from {{ ref('stg_crm__users') }}

),

handoff_activities as (

    select
        handoffs.handoff_id,
        activities.activity_id,
        activities.owner_id,
        activities.type,
        activities.direction,
        activities.outcome,
        activities.occurred_at,
        user_teams.team as owner_team
    from handoffs
    inner join activities
        on handoffs.contact_id = activities.contact_id
        and activities.occurred_at >= handoffs.handed_off_at
        and (handoffs.next_handoff_at is null or activities.occurred_at < handoffs.next_handoff_at)
    left join user_teams
        on activities.owner_id = user_teams.owner_id
        and activities.occurred_at >= user_teams.team_from
        and (user_teams.team_to is null or activities.occurred_at < user_teams.team_to)

),

classified as (

    select
        handoff_activities.*,
        coalesce(
            type in ('call', 'email', 'meeting') and direction = 'outbound' and owner_team in ('sdr', 'ae'),
            false
        ) as is_touch
    from handoff_activities

)

select
    {{ dbt.hash(dbt.concat(['handoff_id', "'|'", 'activity_id'])) }} as handoff_activity_id,
    handoff_id,
    activity_id,
    owner_id,
    owner_team,
    type,
    direction,
    outcome,
    occurred_at,
    is_touch,
    coalesce(outcome in ('connected', 'replied', 'booked_meeting') and (is_touch or direction = 'inbound'), false)
        as is_reach,
    case
        when is_touch then row_number() over (
            partition by handoff_id, is_touch order by occurred_at, activity_id
        )
    end as touch_number
from classified
