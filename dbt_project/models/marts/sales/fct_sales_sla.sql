{#- One row per handoff: sales' first-touch and attempts commitments, evaluated as of the end of the
    build day (SPEC 5.3). The logic lives in macros/sales_sla.sql, shared with fct_sales_sla_daily. -#}

{%- set pairs_sql -%}
    select
        handoff_id,
        {{ run_date() }} as as_of_date,
        {{ as_of_utc() }} as as_of_at
    from {{ ref('int_handoffs_sequenced') }}
{%- endset -%}

with states as (

    {{ sales_sla_handoff_states(pairs_sql) }}

)

select
    handoff_id,
    contact_id,
    handoff_number,
    handed_off_at,
    handoff_date,
    sla_version,
    owner_id,
    owner_assigned_at,
    routing_minutes,
    routing_due_at,
    is_routing_breach,
    clock_started_at,
    priority,
    has_requested_demo,
    icp_version,
    icp_tier,
    fit_score,
    company_size_band,
    segment,
    sla_target_business_minutes,
    sla_due_at,
    is_reassigned,
    rep_owner_id,
    rep_clock_started_at,
    rep_sla_due_at,
    first_touch_at,
    response_business_minutes,
    response_minutes,
    rep_response_business_minutes,
    sla_status,
    late_severity,
    late_business_minutes,
    rep_sla_status,
    min_attempts,
    attempt_window_end_at,
    attempts_in_window,
    reached_at,
    attempts_sla_status,
    outcome,
    outcome_at,
    outcome_lead_status,
    minutes_to_outcome,
    is_accepted_within_window,
    as_of_at as evaluated_as_of
from states
