{#- sales_sla_handoff_states(pairs_sql): the sales SLA of handoffs (SPEC 5.3) evaluated as of given
    instants. `pairs_sql` selects (handoff_id, as_of_date, as_of_at): the handoff, a day, and the
    end of that day in the reporting zone (naive UTC). Only what happened before `as_of_at` and was
    known by `as_of_date` (known_on) is used, so that fct_sales_sla (one pair per handoff, the build
    day) and fct_sales_sla_daily (one pair per handoff and day it is followed) share one definition
    and a past day always evaluates the same. Returns one row per pair. -#}

{% macro sales_sla_handoff_states(pairs_sql) -%}

{%- set intervals = ref('int_business_intervals_cumulated') -%}
{%- set reporting_tz = "'" ~ var('reporting_timezone') ~ "'" -%}

with sla_pairs as (

    {{ pairs_sql }}

),

sla_handoffs as (

    select
        sla_pairs.as_of_date,
        sla_pairs.as_of_at,
        handoffs.handoff_id,
        handoffs.contact_id,
        handoffs.handoff_number,
        handoffs.handed_off_at,
        handoffs.previous_handoff_at,
        case
            when handoffs.next_handoff_at < sla_pairs.as_of_at then handoffs.next_handoff_at
        end as next_handoff_at,
        case
            when handoffs.outcome_at < sla_pairs.as_of_at and handoffs.outcome_known_on <= sla_pairs.as_of_date
                then handoffs.outcome
            else 'open'
        end as outcome,
        case
            when handoffs.outcome_at < sla_pairs.as_of_at and handoffs.outcome_known_on <= sla_pairs.as_of_date
                then handoffs.outcome_at
        end as outcome_at,
        case
            when handoffs.outcome_at < sla_pairs.as_of_at and handoffs.outcome_known_on <= sla_pairs.as_of_date
                then handoffs.outcome_lead_status
        end as outcome_lead_status,
        cast({{ utc_to_local('handoffs.handed_off_at', reporting_tz) }} as date) as handoff_date
    from sla_pairs
    inner join {{ ref('int_handoffs_sequenced') }} as handoffs
        on sla_pairs.handoff_id = handoffs.handoff_id
    where handoffs.handed_off_at < sla_pairs.as_of_at
        and handoffs.known_on <= sla_pairs.as_of_date

),

sla_with_version as (

    select
        sla_handoffs.*,
        versions.sla_version,
        versions.routing_limit_business_minutes,
        versions.min_attempts,
        versions.attempt_window_business_days,
        versions.acceptance_window_days
    from sla_handoffs
    left join {{ ref('stg_agreement__sla_versions') }} as versions
        on sla_handoffs.handoff_date >= versions.effective_from
        and (versions.effective_to is null or sla_handoffs.handoff_date < versions.effective_to)

),

-- owner assignments of the contact known at the pair's instant, up to the next handoff
sla_assignments as (

    select
        sla_with_version.handoff_id,
        sla_with_version.as_of_date,
        assignments.assignment_id,
        assignments.owner_id,
        assignments.assigned_at,
        row_number() over (
            partition by sla_with_version.handoff_id, sla_with_version.as_of_date
            order by assignments.assigned_at, assignments.assignment_id
        ) as assignment_number
    from sla_with_version
    inner join {{ ref('stg_crm__owner_assignments') }} as assignments
        on sla_with_version.contact_id = assignments.contact_id
        and assignments.assigned_at < sla_with_version.as_of_at
        and assignments.known_on <= sla_with_version.as_of_date
        and (sla_with_version.next_handoff_at is null or assignments.assigned_at < sla_with_version.next_handoff_at)

),

-- the owner in place at the handoff (latest assignment at or before it), if any
sla_owner_in_place as (

    select
        sla_assignments.handoff_id,
        sla_assignments.as_of_date,
        sla_assignments.owner_id,
        row_number() over (
            partition by sla_assignments.handoff_id, sla_assignments.as_of_date
            order by sla_assignments.assignment_number desc
        ) as recency
    from sla_assignments
    inner join sla_with_version
        on sla_assignments.handoff_id = sla_with_version.handoff_id
        and sla_assignments.as_of_date = sla_with_version.as_of_date
    where sla_assignments.assigned_at <= sla_with_version.handed_off_at

),

-- the first owner assigned after the handoff
sla_first_assigned as (

    select
        sla_assignments.handoff_id,
        sla_assignments.as_of_date,
        sla_assignments.owner_id,
        sla_assignments.assigned_at,
        row_number() over (
            partition by sla_assignments.handoff_id, sla_assignments.as_of_date
            order by sla_assignments.assignment_number
        ) as rank_after
    from sla_assignments
    inner join sla_with_version
        on sla_assignments.handoff_id = sla_with_version.handoff_id
        and sla_assignments.as_of_date = sla_with_version.as_of_date
    where sla_assignments.assigned_at > sla_with_version.handed_off_at
        and sla_assignments.owner_id is not null

),

sla_owned as (

    select
        sla_with_version.*,
        case
            when in_place.owner_id is not null then in_place.owner_id
            else first_assigned.owner_id
        end as owner_id,
        case
            when in_place.owner_id is not null then sla_with_version.handed_off_at
            else first_assigned.assigned_at
        end as owner_assigned_at
    from sla_with_version
    left join sla_owner_in_place as in_place
        on sla_with_version.handoff_id = in_place.handoff_id
        and sla_with_version.as_of_date = in_place.as_of_date
        and in_place.recency = 1
    left join sla_first_assigned as first_assigned
        on sla_with_version.handoff_id = first_assigned.handoff_id
        and sla_with_version.as_of_date = first_assigned.as_of_date
        and first_assigned.rank_after = 1

),

-- activity versions known at the pair's instant: the latest known version of each activity
sla_activity_versions as (

    select
        sla_owned.handoff_id,
        sla_owned.as_of_date,
        activities.activity_id,
        activities.owner_id,
        activities.type,
        activities.direction,
        activities.outcome,
        activities.occurred_at,
        row_number() over (
            partition by sla_owned.handoff_id, sla_owned.as_of_date, activities.activity_id
            order by activities.updated_at desc, activities.activity_version_id desc
        ) as version_recency
    from sla_owned
    inner join {{ ref('stg_crm__activities') }} as activities
        on sla_owned.contact_id = activities.contact_id
        and activities.updated_at < sla_owned.as_of_at
        and activities.known_on <= sla_owned.as_of_date

),

sla_user_teams as (

    select
        owner_id,
        team,
        valid_from,
        valid_to,
        row_number() over (partition by owner_id order by valid_from) as version_number
    from {{ ref('stg_crm__users') }}

),

-- activities of this handoff: at or after it, before the next handoff and the pair's instant
sla_activities as (

    select
        versions.handoff_id,
        versions.as_of_date,
        versions.activity_id,
        versions.occurred_at,
        versions.outcome,
        versions.direction,
        (
            versions.type in ('call', 'email', 'meeting')
            and versions.direction = 'outbound'
            and coalesce(teams.team, first_teams.team) in ('sdr', 'ae')
        ) as is_touch
    from sla_activity_versions as versions
    inner join sla_owned
        on versions.handoff_id = sla_owned.handoff_id
        and versions.as_of_date = sla_owned.as_of_date
    left join sla_user_teams as teams
        on versions.owner_id = teams.owner_id
        and versions.occurred_at >= teams.valid_from
        and (teams.valid_to is null or versions.occurred_at < teams.valid_to)
    left join sla_user_teams as first_teams
        on versions.owner_id = first_teams.owner_id
        and first_teams.version_number = 1
    where versions.version_recency = 1
        and versions.occurred_at >= sla_owned.handed_off_at
        and versions.occurred_at < sla_owned.as_of_at
        and (sla_owned.next_handoff_at is null or versions.occurred_at < sla_owned.next_handoff_at)

),

sla_touches as (

    select
        handoff_id,
        as_of_date,
        occurred_at,
        row_number() over (partition by handoff_id, as_of_date order by occurred_at, activity_id) as touch_number
    from sla_activities
    where is_touch

),

sla_reached as (

    select handoff_id, as_of_date, min(occurred_at) as reached_at
    from sla_activities
    where outcome in ('connected', 'replied', 'booked_meeting')
        and (is_touch or direction = 'inbound')
    group by handoff_id, as_of_date

),

sla_touched as (

    select
        sla_owned.*,
        first_touches.occurred_at as first_touch_at
    from sla_owned
    left join sla_touches as first_touches
        on sla_owned.handoff_id = first_touches.handoff_id
        and sla_owned.as_of_date = first_touches.as_of_date
        and first_touches.touch_number = 1

),

-- reassignments before the first touch: an assignment after the first owner's that changes the owner
sla_owner_changes as (

    select
        sla_assignments.handoff_id,
        sla_assignments.as_of_date,
        sla_assignments.owner_id,
        sla_assignments.assigned_at,
        sla_assignments.assignment_number,
        lag(sla_assignments.owner_id) over (
            partition by sla_assignments.handoff_id, sla_assignments.as_of_date
            order by sla_assignments.assignment_number
        ) as previous_owner_id
    from sla_assignments
    inner join sla_touched
        on sla_assignments.handoff_id = sla_touched.handoff_id
        and sla_assignments.as_of_date = sla_touched.as_of_date
    where sla_assignments.owner_id is not null
        and sla_assignments.assigned_at >= sla_touched.owner_assigned_at
        and (sla_touched.first_touch_at is null or sla_assignments.assigned_at < sla_touched.first_touch_at)

),

sla_last_reassignment as (

    select
        handoff_id,
        as_of_date,
        owner_id,
        assigned_at,
        row_number() over (partition by handoff_id, as_of_date order by assignment_number desc) as recency
    from sla_owner_changes
    where previous_owner_id is not null
        and owner_id <> previous_owner_id

),

-- the lead's priority: a demo request at or before the handoff (after the previous one), else its tier
sla_demo_requests as (

    select sla_touched.handoff_id, sla_touched.as_of_date, count(*) as demo_requests
    from sla_touched
    inner join {{ ref('int_identities_stitched') }} as identities
        on sla_touched.contact_id = identities.contact_id
        and identities.identifier_type = 'email'
    inner join {{ ref('stg_marketing__form_submissions') }} as forms
        on identities.identifier = forms.email
        and forms.form_type = 'demo_request'
        and forms.submitted_at <= sla_touched.handed_off_at
        and (sla_touched.previous_handoff_at is null or forms.submitted_at > sla_touched.previous_handoff_at)
        and forms.known_on <= sla_touched.as_of_date
    group by sla_touched.handoff_id, sla_touched.as_of_date

),

sla_fit as (

    select
        sla_touched.handoff_id,
        sla_touched.as_of_date,
        fit.icp_version,
        fit.icp_tier,
        fit.fit_score,
        row_number() over (
            partition by sla_touched.handoff_id, sla_touched.as_of_date order by fit.valid_from desc
        ) as recency
    from sla_touched
    inner join {{ ref('int_lead_fit_scored') }} as fit
        on sla_touched.contact_id = fit.contact_id
        and fit.valid_from <= sla_touched.handed_off_at
        and (fit.valid_to is null or fit.valid_to > sla_touched.handed_off_at)

),

sla_company_sizes as (

    select
        sla_touched.handoff_id,
        sla_touched.as_of_date,
        observations.attribute_value as company_size_band,
        row_number() over (
            partition by sla_touched.handoff_id, sla_touched.as_of_date
            order by observations.observed_at desc, observations.source desc
        ) as recency
    from sla_touched
    inner join {{ ref('int_profile_observations_unpivoted') }} as observations
        on sla_touched.contact_id = observations.contact_id
        and observations.attribute = 'company_size'
        and observations.observed_at <= sla_touched.handed_off_at
        and observations.known_on <= sla_touched.as_of_date

),

sla_prioritized as (

    select
        sla_touched.*,
        coalesce(demo.demo_requests, 0) > 0 as has_requested_demo,
        fit.icp_version,
        fit.icp_tier,
        fit.fit_score,
        sizes.company_size_band,
        coalesce(segments.segment, 'unknown') as segment,
        reassignment.owner_id as reassigned_owner_id,
        reassignment.assigned_at as reassigned_at
    from sla_touched
    left join sla_demo_requests as demo
        on sla_touched.handoff_id = demo.handoff_id
        and sla_touched.as_of_date = demo.as_of_date
    left join sla_fit as fit
        on sla_touched.handoff_id = fit.handoff_id
        and sla_touched.as_of_date = fit.as_of_date
        and fit.recency = 1
    left join sla_company_sizes as sizes
        on sla_touched.handoff_id = sizes.handoff_id
        and sla_touched.as_of_date = sizes.as_of_date
        and sizes.recency = 1
    left join {{ ref('stg_agreement__segments') }} as segments
        on sla_touched.sla_version = segments.sla_version
        and sizes.company_size_band = segments.company_size_band
    left join sla_last_reassignment as reassignment
        on sla_touched.handoff_id = reassignment.handoff_id
        and sla_touched.as_of_date = reassignment.as_of_date
        and reassignment.recency = 1

),

sla_targets as (

    select
        sla_prioritized.handoff_id,
        sla_prioritized.as_of_date,
        targets.priority,
        targets.business_minutes,
        row_number() over (
            partition by sla_prioritized.handoff_id, sla_prioritized.as_of_date order by targets.priority_rank
        ) as match_rank
    from sla_prioritized
    inner join {{ ref('stg_agreement__sla_response_targets') }} as targets
        on sla_prioritized.sla_version = targets.sla_version
    where (targets.priority = 'demo_request' and sla_prioritized.has_requested_demo)
        or (targets.priority = 'tier_a' and sla_prioritized.icp_tier = 'A')
        or targets.priority = 'other'

),

sla_clocked as (

    select
        sla_prioritized.*,
        targets.priority,
        targets.business_minutes as sla_target_business_minutes,
        coalesce(sla_prioritized.owner_id, 'default') as calendar_id,
        case
            when sla_prioritized.owner_assigned_at > sla_prioritized.handed_off_at then sla_prioritized.owner_assigned_at
            else sla_prioritized.handed_off_at
        end as clock_started_at,
        coalesce(sla_prioritized.reassigned_owner_id, sla_prioritized.owner_id) as rep_owner_id,
        case
            when sla_prioritized.reassigned_at is not null then sla_prioritized.reassigned_at
            when sla_prioritized.owner_assigned_at > sla_prioritized.handed_off_at then sla_prioritized.owner_assigned_at
            when sla_prioritized.owner_id is not null then sla_prioritized.handed_off_at
        end as rep_clock_started_at
    from sla_prioritized
    left join sla_targets as targets
        on sla_prioritized.handoff_id = targets.handoff_id
        and sla_prioritized.as_of_date = targets.as_of_date
        and targets.match_rank = 1

),

-- clock positions (business seconds) of the instants that matter, each on its calendar
sla_positions as (

    select
        sla_clocked.*,
        coalesce(sla_clocked.rep_owner_id, 'default') as rep_calendar_id,
        {{ clock_position('handoff_default', 'sla_clocked.handed_off_at') }} as handoff_default_position,
        {{ clock_position('clock_start', 'sla_clocked.clock_started_at') }} as clock_start_position,
        {{ clock_position('touch', 'sla_clocked.first_touch_at') }} as first_touch_position
    from sla_clocked
    {{ join_clock_segment(intervals, 'handoff_default', "'default'", 'sla_clocked.handed_off_at') }}
    {{ join_clock_segment(intervals, 'clock_start', 'sla_clocked.calendar_id', 'sla_clocked.clock_started_at') }}
    {{ join_clock_segment(intervals, 'touch', 'sla_clocked.calendar_id', 'sla_clocked.first_touch_at') }}

),

sla_rep_positions as (

    select
        sla_positions.*,
        {{ clock_position('rep_start', 'sla_positions.rep_clock_started_at') }} as rep_clock_start_position,
        {{ clock_position('rep_touch', 'sla_positions.first_touch_at') }} as rep_first_touch_position,
        sla_positions.handoff_default_position + 60 * sla_positions.routing_limit_business_minutes
            as routing_due_position,
        sla_positions.clock_start_position + 60 * sla_positions.sla_target_business_minutes as due_position,
        -- one second into the clock: the interval where business time really starts counting
        sla_positions.clock_start_position + 1 as counting_start_position
    from sla_positions
    {{ join_clock_segment(intervals, 'rep_start', 'sla_positions.rep_calendar_id', 'sla_positions.rep_clock_started_at') }}
    {{ join_clock_segment(intervals, 'rep_touch', 'sla_positions.rep_calendar_id', 'sla_positions.first_touch_at') }}

),

sla_due as (

    select
        sla_rep_positions.*,
        sla_rep_positions.rep_clock_start_position + 60 * sla_rep_positions.sla_target_business_minutes
            as rep_due_position,
        {{ clock_instant('routing_due', 'sla_rep_positions.routing_due_position') }} as routing_due_at,
        {{ clock_instant('due', 'sla_rep_positions.due_position') }} as sla_due_at,
        due.nominal_day_seconds as due_day_seconds,
        counting_start.business_day_number as window_first_day_number
    from sla_rep_positions
    {{ join_clock_interval_reaching(intervals, 'routing_due', "'default'", 'sla_rep_positions.routing_due_position') }}
    {{ join_clock_interval_reaching(intervals, 'due', 'sla_rep_positions.calendar_id', 'sla_rep_positions.due_position') }}
    {{ join_clock_interval_reaching(intervals, 'counting_start', 'sla_rep_positions.calendar_id', 'sla_rep_positions.counting_start_position') }}

),

sla_rep_due as (

    select
        sla_due.*,
        {{ clock_instant('rep_due', 'sla_due.rep_due_position') }} as rep_sla_due_at,
        rep_due.nominal_day_seconds as rep_due_day_seconds
    from sla_due
    {{ join_clock_interval_reaching(intervals, 'rep_due', 'sla_due.rep_calendar_id', 'sla_due.rep_due_position') }}

),

sla_windows as (

    select
        sla_rep_due.handoff_id,
        sla_rep_due.as_of_date,
        max(window_days.interval_end_at) as attempt_window_end_at
    from sla_rep_due
    inner join {{ intervals }} as window_days
        on sla_rep_due.calendar_id = window_days.calendar_id
        and window_days.business_day_number
            = sla_rep_due.window_first_day_number + sla_rep_due.attempt_window_business_days - 1
    group by sla_rep_due.handoff_id, sla_rep_due.as_of_date

),

sla_attempts as (

    select
        sla_rep_due.handoff_id,
        sla_rep_due.as_of_date,
        count(sla_touches.touch_number) as attempts_in_window,
        max(case when sla_touches.touch_number = sla_rep_due.min_attempts then sla_touches.occurred_at end)
            as last_required_attempt_at
    from sla_rep_due
    left join sla_windows
        on sla_rep_due.handoff_id = sla_windows.handoff_id
        and sla_rep_due.as_of_date = sla_windows.as_of_date
    left join sla_touches
        on sla_rep_due.handoff_id = sla_touches.handoff_id
        and sla_rep_due.as_of_date = sla_touches.as_of_date
        and sla_touches.occurred_at < coalesce(sla_windows.attempt_window_end_at, sla_rep_due.as_of_at)
    group by sla_rep_due.handoff_id, sla_rep_due.as_of_date

),

sla_do_not_contact as (

    select
        sla_rep_due.handoff_id,
        sla_rep_due.as_of_date,
        min(
            case when contacts.valid_from > sla_rep_due.handed_off_at then contacts.valid_from else sla_rep_due.handed_off_at end
        ) as do_not_contact_from
    from sla_rep_due
    inner join {{ ref('stg_crm__contacts') }} as contacts
        on sla_rep_due.contact_id = contacts.contact_id
        and contacts.lead_status = 'do_not_contact'
        and contacts.valid_from < sla_rep_due.as_of_at
        and contacts.known_on <= sla_rep_due.as_of_date
        and (contacts.valid_to is null or contacts.valid_to > sla_rep_due.handed_off_at)
        and (sla_rep_due.next_handoff_at is null or contacts.valid_from < sla_rep_due.next_handoff_at)
    group by sla_rep_due.handoff_id, sla_rep_due.as_of_date

),

sla_flags as (

    select
        sla_rep_due.*,
        sla_windows.attempt_window_end_at,
        coalesce(sla_attempts.attempts_in_window, 0) as attempts_in_window,
        sla_attempts.last_required_attempt_at,
        case
            when sla_rep_due.outcome = 'accepted'
                and (sla_reached.reached_at is null or sla_rep_due.outcome_at < sla_reached.reached_at)
                then sla_rep_due.outcome_at
            else sla_reached.reached_at
        end as reached_at,
        coalesce(
            (
                sla_rep_due.outcome = 'disqualified'
                and sla_rep_due.outcome_lead_status in ('spam', 'duplicate')
                and (sla_rep_due.sla_due_at is null or sla_rep_due.outcome_at <= sla_rep_due.sla_due_at)
            )
            or (
                sla_do_not_contact.do_not_contact_from is not null
                and (sla_rep_due.sla_due_at is null or sla_do_not_contact.do_not_contact_from <= sla_rep_due.sla_due_at)
            ),
            false
        ) as is_excluded,
        -- coalesce: while an unassigned handoff's routing window is still open, the comparison
        -- with the missing assignment is null; that is "no breach (yet)", never unknown
        coalesce(
            (sla_rep_due.owner_assigned_at is null and sla_rep_due.routing_due_at < sla_rep_due.as_of_at)
            or sla_rep_due.owner_assigned_at > sla_rep_due.routing_due_at,
            false
        ) as is_routing_breach
    from sla_rep_due
    left join sla_windows
        on sla_rep_due.handoff_id = sla_windows.handoff_id
        and sla_rep_due.as_of_date = sla_windows.as_of_date
    left join sla_attempts
        on sla_rep_due.handoff_id = sla_attempts.handoff_id
        and sla_rep_due.as_of_date = sla_attempts.as_of_date
    left join sla_reached
        on sla_rep_due.handoff_id = sla_reached.handoff_id
        and sla_rep_due.as_of_date = sla_reached.as_of_date
    left join sla_do_not_contact
        on sla_rep_due.handoff_id = sla_do_not_contact.handoff_id
        and sla_rep_due.as_of_date = sla_do_not_contact.as_of_date

)

select
    sla_flags.handoff_id,
    sla_flags.as_of_date,
    sla_flags.as_of_at,
    sla_flags.contact_id,
    sla_flags.handoff_number,
    sla_flags.handed_off_at,
    sla_flags.handoff_date,
    sla_flags.sla_version,
    sla_flags.owner_id,
    sla_flags.owner_assigned_at,
    {{ dbt.datediff('sla_flags.handed_off_at', 'sla_flags.owner_assigned_at', 'second') }} / 60.0 as routing_minutes,
    sla_flags.routing_due_at,
    sla_flags.is_routing_breach,
    sla_flags.clock_started_at,
    sla_flags.priority,
    sla_flags.has_requested_demo,
    sla_flags.icp_version,
    sla_flags.icp_tier,
    sla_flags.fit_score,
    sla_flags.company_size_band,
    sla_flags.segment,
    sla_flags.sla_target_business_minutes,
    sla_flags.sla_due_at,
    sla_flags.reassigned_owner_id is not null as is_reassigned,
    sla_flags.rep_owner_id,
    sla_flags.rep_clock_started_at,
    sla_flags.rep_sla_due_at,
    sla_flags.first_touch_at,
    case
        when sla_flags.first_touch_at is not null
            then greatest(sla_flags.first_touch_position - sla_flags.clock_start_position, 0) / 60.0
    end as response_business_minutes,
    case
        when sla_flags.first_touch_at is not null
            then greatest({{ dbt.datediff('sla_flags.clock_started_at', 'sla_flags.first_touch_at', 'second') }}, 0) / 60.0
    end as response_minutes,
    case
        when sla_flags.first_touch_at is not null and sla_flags.rep_clock_started_at is not null
            then greatest(sla_flags.rep_first_touch_position - sla_flags.rep_clock_start_position, 0) / 60.0
    end as rep_response_business_minutes,
    case
        when sla_flags.is_excluded then 'excluded'
        when sla_flags.is_routing_breach then 'routing_breach'
        when sla_flags.first_touch_at is not null and sla_flags.sla_due_at is not null
            and sla_flags.first_touch_at <= sla_flags.sla_due_at then 'met'
        when sla_flags.first_touch_at is not null and sla_flags.sla_due_at is not null then 'late'
        when sla_flags.sla_due_at < sla_flags.as_of_at then 'open_breach'
        else 'pending'
    end as sla_status,
    case
        when sla_flags.is_excluded or sla_flags.is_routing_breach then null
        when sla_flags.first_touch_at is null or sla_flags.sla_due_at is null
            or sla_flags.first_touch_at <= sla_flags.sla_due_at then null
        when sla_flags.first_touch_position - sla_flags.due_position <= 60 * 60 then 'up_to_60'
        when sla_flags.first_touch_position - sla_flags.due_position <= 240 * 60 then 'up_to_240'
        when sla_flags.first_touch_position - sla_flags.due_position <= coalesce(sla_flags.due_day_seconds, 480 * 60)
            then 'up_to_1_business_day'
        else 'over_1_business_day'
    end as late_severity,
    case
        when sla_flags.first_touch_at is not null and sla_flags.sla_due_at is not null
            and sla_flags.first_touch_at > sla_flags.sla_due_at
            then (sla_flags.first_touch_position - sla_flags.due_position) / 60.0
    end as late_business_minutes,
    case
        when sla_flags.is_excluded then 'excluded'
        when sla_flags.rep_owner_id is null then 'unassigned'
        when sla_flags.first_touch_at is not null and sla_flags.rep_sla_due_at is not null
            and sla_flags.first_touch_at <= sla_flags.rep_sla_due_at then 'met'
        when sla_flags.first_touch_at is not null and sla_flags.rep_sla_due_at is not null then 'late'
        when sla_flags.rep_sla_due_at < sla_flags.as_of_at then 'open_breach'
        else 'pending'
    end as rep_sla_status,
    sla_flags.min_attempts,
    sla_flags.attempt_window_end_at,
    sla_flags.attempts_in_window,
    sla_flags.reached_at,
    case
        when sla_flags.is_excluded then null
        when sla_flags.reached_at is not null
            and (sla_flags.attempt_window_end_at is null or sla_flags.reached_at < sla_flags.attempt_window_end_at)
            and (sla_flags.last_required_attempt_at is null or sla_flags.reached_at < sla_flags.last_required_attempt_at)
            then 'reached_early'
        when sla_flags.attempts_in_window >= sla_flags.min_attempts then 'met'
        when sla_flags.attempt_window_end_at <= sla_flags.as_of_at then 'missed'
        else 'in_window'
    end as attempts_sla_status,
    sla_flags.outcome,
    sla_flags.outcome_at,
    sla_flags.outcome_lead_status,
    {{ dbt.datediff('sla_flags.handed_off_at', 'sla_flags.outcome_at', 'second') }} / 60.0 as minutes_to_outcome,
    (
        sla_flags.outcome = 'accepted'
        and sla_flags.outcome_at < {{ dbt.dateadd('day', 'sla_flags.acceptance_window_days', 'sla_flags.handed_off_at') }}
    ) as is_accepted_within_window
from sla_flags

{%- endmacro %}
