{#- One row per person and content piece whose engagement cohort has closed: what followed the
    person's first engagement with the piece within the content window.

    - Window: var content_window_days (90 in dbt_project.yml) from the first engagement. Within it the person
      became a lead (first identified, int_leads_attributed), was handed off as an MQL (a change into
      mql, int_handoffs_sequenced) and won (a won, not deleted deal closed in the window).
    - A person who was a lead before the engagement (first identified earlier) is no prospect: the
      piece cannot have created that lead, so only prospects count for lead creation.
    - Cohort: the people whose first engagement with the piece fell in one month (reporting zone). It
      is closed once the window of an engagement at the month's last instant has ended by the end of
      the build day; engagements of cohorts still open are left out, so no rate can still move. -#}

{%- set window_days = var('content_window_days') -%}

with engagements as (

    select
        engagements.*,
        {{ dbt.date_trunc('month', 'engagements.engaged_date') }} as cohort_month,
        {{ dbt.dateadd('day', window_days, 'engagements.engaged_at') }} as window_end_at,
        leads.first_identified_at
    from {{ ref('int_content_engagements_identified') }} as engagements
    left join {{ ref('int_leads_attributed') }} as leads
        on engagements.lead_id = leads.lead_id

),

closed as (

    select *
    from engagements
    where {{ content_cohort_is_closed('cohort_month') }}

),

mqls as (

    select distinct closed.content_engagement_id
    from closed
    inner join {{ ref('int_handoffs_sequenced') }} as handoffs
        on closed.lead_id = handoffs.contact_id
        and handoffs.handed_off_at >= closed.engaged_at
        and handoffs.handed_off_at < closed.window_end_at

),

wins as (

    select distinct closed.content_engagement_id
    from closed
    inner join {{ ref('stg_crm__deals') }} as deals
        on closed.lead_id = deals.contact_id
        and deals.is_latest
        and deals.is_won
        and not coalesce(deals.is_deleted, false)
        and deals.closed_at >= closed.engaged_at
        and deals.closed_at < closed.window_end_at

)

select
    closed.content_engagement_id,
    closed.person_key,
    closed.lead_id,
    closed.content_kind,
    closed.content_id,
    closed.content_name,
    cast(closed.cohort_month as date) as cohort_month,
    {{ window_days }} as window_days,
    closed.engaged_at,
    closed.window_end_at,
    closed.is_first_touch,
    (closed.first_identified_at is null or closed.first_identified_at >= closed.engaged_at) as is_prospect,
    coalesce(
        closed.first_identified_at >= closed.engaged_at and closed.first_identified_at < closed.window_end_at,
        false
    ) as became_lead,
    mqls.content_engagement_id is not null as became_mql,
    wins.content_engagement_id is not null as is_won
from closed
left join mqls
    on closed.content_engagement_id = mqls.content_engagement_id
left join wins
    on closed.content_engagement_id = wins.content_engagement_id
