{#- One row per handoff: sales' first-touch and attempts commitments, evaluated as of the end of the
    build day with everything known by then. The pieces are intermediate models, each tested on
    its own: the handoff's commitments (int_handoffs_profiled), who owned it when
    (int_handoff_owner_spells, int_handoff_owner_deadlines), its activities
    (int_handoff_activities_classified) and its clocks (int_handoff_clocks). This model turns them
    into statuses. -#}

{%- set intervals = ref('int_business_intervals_cumulated') -%}

with handoffs as (

    select * from {{ ref('int_handoffs_profiled') }}

),

clocks as (

    select * from {{ ref('int_handoff_clocks') }}

),

activities as (

    select * from {{ ref('int_handoff_activities_classified') }}

),

-- the attempts window: `attempt_window_business_days` working days of the team calendar, the day the
-- clock starts counting being the first
windows as (

    select
        clocks.handoff_id,
        max(window_days.interval_end_at) as attempt_window_end_at
    from clocks
    inner join handoffs
        on clocks.handoff_id = handoffs.handoff_id
    inner join {{ intervals }} as window_days
        on clocks.calendar_id = window_days.calendar_id
        and window_days.business_day_number
            = clocks.window_first_day_number + handoffs.attempt_window_business_days - 1
    group by clocks.handoff_id

),

attempts as (

    select
        handoffs.handoff_id,
        count(activities.touch_number) as attempts_in_window,
        max(case when activities.touch_number = handoffs.min_attempts then activities.occurred_at end)
            as last_required_attempt_at
    from handoffs
    left join windows
        on handoffs.handoff_id = windows.handoff_id
    left join activities
        on handoffs.handoff_id = activities.handoff_id
        and activities.is_touch
        and activities.occurred_at < coalesce(windows.attempt_window_end_at, {{ as_of_utc() }})
    group by handoffs.handoff_id

),

reached as (

    select handoff_id, min(occurred_at) as reached_at
    from activities
    where is_reach
    group by handoff_id

),

do_not_contact as (

    select
        handoffs.handoff_id,
        min(
            case when contacts.valid_from > handoffs.handed_off_at then contacts.valid_from else handoffs.handed_off_at end
        ) as do_not_contact_from
    from handoffs
    inner join {{ ref('stg_crm__contacts') }} as contacts
        on handoffs.contact_id = contacts.contact_id
        and contacts.lead_status = 'do_not_contact'
        and (contacts.valid_to is null or contacts.valid_to > handoffs.handed_off_at)
        and (handoffs.next_handoff_at is null or contacts.valid_from < handoffs.next_handoff_at)
    group by handoffs.handoff_id

),

flagged as (

    select
        handoffs.*,
        clocks.owner_id,
        clocks.owner_assigned_at,
        clocks.clock_started_at,
        clocks.due_position,
        clocks.sla_due_at,
        clocks.due_day_seconds,
        clocks.first_touch_at,
        clocks.touch_position,
        clocks.clock_start_position,
        clocks.routing_due_at,
        clocks.is_routing_breach,
        clocks.rep_owner_id,
        clocks.rep_clock_started_at,
        clocks.is_reassigned,
        clocks.rep_clock_start_position,
        clocks.rep_due_position,
        clocks.rep_sla_due_at,
        clocks.rep_touch_position,
        clocks.rep_due_day_seconds,
        clocks.rep_business_seconds_to_due,
        windows.attempt_window_end_at,
        coalesce(attempts.attempts_in_window, 0) as attempts_in_window,
        attempts.last_required_attempt_at,
        case
            when handoffs.outcome = 'accepted'
                and (reached.reached_at is null or handoffs.outcome_at < reached.reached_at)
                then handoffs.outcome_at
            else reached.reached_at
        end as reached_at,
        -- excluded: disqualified as spam or duplicate, or do-not-contact, at or before the due time
        case
            when handoffs.outcome = 'disqualified'
                and handoffs.outcome_lead_status in ('spam', 'duplicate')
                and (clocks.sla_due_at is null or handoffs.outcome_at <= clocks.sla_due_at)
                and (do_not_contact.do_not_contact_from is null or handoffs.outcome_at <= do_not_contact.do_not_contact_from)
                then handoffs.outcome_at
            when do_not_contact.do_not_contact_from is not null
                and (clocks.sla_due_at is null or do_not_contact.do_not_contact_from <= clocks.sla_due_at)
                then do_not_contact.do_not_contact_from
        end as excluded_at
    from handoffs
    inner join clocks
        on handoffs.handoff_id = clocks.handoff_id
    left join windows
        on handoffs.handoff_id = windows.handoff_id
    left join attempts
        on handoffs.handoff_id = attempts.handoff_id
    left join reached
        on handoffs.handoff_id = reached.handoff_id
    left join do_not_contact
        on handoffs.handoff_id = do_not_contact.handoff_id

),

statused as (

    select
        flagged.*,
        case
            when excluded_at is not null then 'excluded'
            when is_routing_breach then 'routing_breach'
            when first_touch_at is not null and (due_position is null or touch_position <= due_position) then 'met'
            when first_touch_at is not null then 'late'
            when sla_due_at < {{ as_of_utc() }} then 'open_breach'
            else 'pending'
        end as sla_status,
        case
            when excluded_at is not null then 'excluded'
            when rep_owner_id is null then 'unassigned'
            when first_touch_at is not null and (rep_due_position is null or rep_touch_position <= rep_due_position)
                then 'met'
            when first_touch_at is not null then 'late'
            when rep_sla_due_at < {{ as_of_utc() }} then 'open_breach'
            else 'pending'
        end as rep_sla_status,
        case
            when first_touch_at is not null and touch_position > due_position then touch_position - due_position
        end as late_seconds
    from flagged

),

late_bands as (

    select
        statused.handoff_id,
        bands.band,
        row_number() over (partition by statused.handoff_id order by bands.band_rank) as band_match
    from statused
    inner join {{ ref('stg_agreement__sla_late_severity_bands') }} as bands
        on statused.sla_version = bands.sla_version
    where statused.sla_status = 'late'
        and (
            (bands.up_to_business_minutes is null and bands.up_to_business_days is null)
            or statused.late_seconds <= 60 * bands.up_to_business_minutes
            or statused.late_seconds
                <= bands.up_to_business_days * coalesce(statused.due_day_seconds, statused.default_day_seconds)
        )

)

select
    statused.handoff_id,
    statused.contact_id,
    statused.handoff_number,
    statused.handed_off_at,
    statused.handoff_date,
    statused.sla_version,
    statused.owner_id,
    statused.owner_assigned_at,
    {{ dbt.datediff('statused.handed_off_at', 'statused.owner_assigned_at', 'second') }} / 60.0 as routing_minutes,
    statused.routing_due_at,
    statused.is_routing_breach,
    statused.clock_started_at,
    statused.priority,
    statused.has_requested_demo,
    statused.icp_version,
    statused.icp_tier,
    statused.fit_score,
    statused.company_size_band,
    statused.segment,
    statused.sla_target_business_minutes,
    statused.sla_due_at,
    statused.is_reassigned,
    statused.rep_owner_id,
    statused.rep_clock_started_at,
    statused.rep_sla_due_at,
    statused.first_touch_at,
    case
        when statused.first_touch_at is not null
            then greatest(statused.touch_position - statused.clock_start_position, 0) / 60.0
    end as response_business_minutes,
    case
        when statused.first_touch_at is not null
            then greatest({{ dbt.datediff('statused.clock_started_at', 'statused.first_touch_at', 'second') }}, 0) / 60.0
    end as response_minutes,
    case
        when statused.first_touch_at is not null and statused.rep_clock_started_at is not null
            then greatest(statused.rep_touch_position - statused.rep_clock_start_position, 0) / 60.0
    end as rep_response_business_minutes,
    statused.sla_status,
    late_bands.band as late_severity,
    statused.late_seconds / 60.0 as late_business_minutes,
    statused.rep_sla_status,
    statused.excluded_at,
    case
        when statused.rep_sla_status in ('pending', 'open_breach')
            then statused.rep_business_seconds_to_due / 60.0
    end as rep_business_minutes_to_due,
    case
        when statused.rep_sla_status = 'pending' then 'deadline_ahead'
        when statused.rep_sla_status = 'open_breach'
            and -statused.rep_business_seconds_to_due
                <= statused.recently_overdue_business_days * coalesce(statused.rep_due_day_seconds, statused.default_day_seconds)
            then 'recently_overdue'
        when statused.rep_sla_status = 'open_breach' then 'stale'
    end as rep_urgency,
    -- open breaches by age in business days of the rep's calendar past the missed deadline (a business
    -- day is the rep's working day on the due day, as for rep_urgency), and the agreement's point after
    -- which the untouched lead leaves the rep (recycled to marketing or escalated)
    case
        when statused.rep_sla_status = 'open_breach'
            then -statused.rep_business_seconds_to_due
                / coalesce(statused.rep_due_day_seconds, statused.default_day_seconds)
    end as rep_overdue_business_days,
    case
        when statused.rep_sla_status <> 'open_breach' then null
        when -statused.rep_business_seconds_to_due
            < coalesce(statused.rep_due_day_seconds, statused.default_day_seconds) then 'fresh'
        when -statused.rep_business_seconds_to_due
            <= 5 * coalesce(statused.rep_due_day_seconds, statused.default_day_seconds) then 'one_to_five_business_days'
        else 'older'
    end as open_breach_age,
    statused.rep_sla_status = 'open_breach'
        and -statused.rep_business_seconds_to_due
            >= statused.untouched_after_business_days
                * coalesce(statused.rep_due_day_seconds, statused.default_day_seconds)
        as is_past_untouched_limit,
    case
        when statused.rep_sla_status = 'open_breach'
            and -statused.rep_business_seconds_to_due
                >= statused.untouched_after_business_days
                    * coalesce(statused.rep_due_day_seconds, statused.default_day_seconds)
            then statused.untouched_action
    end as untouched_action,
    statused.min_attempts,
    statused.attempt_window_end_at,
    statused.attempts_in_window,
    statused.reached_at,
    case
        when statused.excluded_at is not null then null
        when statused.reached_at is not null
            and (statused.attempt_window_end_at is null or statused.reached_at < statused.attempt_window_end_at)
            and (statused.last_required_attempt_at is null or statused.reached_at < statused.last_required_attempt_at)
            then 'reached_early'
        when statused.attempts_in_window >= statused.min_attempts then 'met'
        when statused.attempt_window_end_at <= {{ as_of_utc() }} then 'missed'
        else 'in_window'
    end as attempts_sla_status,
    statused.outcome,
    statused.outcome_at,
    statused.outcome_lead_status,
    {{ dbt.datediff('statused.handed_off_at', 'statused.outcome_at', 'second') }} / 60.0 as minutes_to_outcome,
    statused.accepted_within_window_at is not null as is_accepted_within_window,
    {{ as_of_utc() }} as evaluated_as_of
from statused
left join late_bands
    on statused.handoff_id = late_bands.handoff_id
    and late_bands.band_match = 1
