{#- One row per day (reporting zone) and first-touch channel, from the first day with funnel activity
    to the build day, for every channel the funnel has seen (zeros on quiet days). Two kinds of
    measures:

    - flow counts of what happened that day: sessions and unique visitors (by the channel of the
      visitor's first session), new leads (by the lead's acquisition channel), first-time mqls, sqls
      and opportunities, and won deals and amount (by the acquisition channel of the deal's contact);
    - cohort conversion: of the visitors first seen and the leads created that day, how many
      became a lead, mql, sql, opportunity or customer within `funnel_cohort_days` days. Every
      cohort rate is a share between 0 and 1; a cohort's window may still be open
      (`is_cohort_window_closed`).

    Everything known by the build day counts, on the day it happened: a late export restates its day.
    won_amount adds up only deals in the reporting currency (var reporting_currency, default USD):
    amounts in different currencies cannot be added without exchange rates, so deals in other
    currencies are counted in won_deals and, separately, in won_deals_other_currency. -#}

{%- set float = type_ratio() -%}
{%- set reporting_currency = var('reporting_currency', 'USD') -%}
{%- set cohort_days = var('funnel_cohort_days', 90) -%}

with leads as (

    select lead_id, contact_id, acquisition_channel, first_identified_at, first_identified_date
    from {{ ref('int_leads_attributed') }}

),

sessions as (

    select * from {{ ref('int_sessions_attributed') }}

),

visitor_firsts as (

    select visitor_id, channel as visitor_channel, started_at as first_seen_at, session_date as first_seen_date
    from sessions
    where visitor_session_number = 1

),

stages as (

    select contact_id, stage, reached_at, reached_date
    from {{ ref('int_lead_stages_reached') }}

),

-- a deal is won on the day it closed as won, by its latest version (not deleted)
won_deals as (

    select deal_id, contact_id, amount, currency, {{ reporting_date('closed_at') }} as won_date
    from {{ ref('stg_crm__deals') }}
    where is_latest
        and is_won
        and not coalesce(is_deleted, false)
        and closed_at is not null

),

events as (

    select
        sessions.session_date as report_date,
        coalesce(visitor_firsts.visitor_channel, sessions.channel) as channel,
        'session' as event_type,
        sessions.visitor_id,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency
    from sessions
    left join visitor_firsts
        on sessions.visitor_id = visitor_firsts.visitor_id

    union all

    -- a lead is new when first identified (a form e-mail or its contact record), not when a CRM
    -- event merely cites its contact id: two such sightings of one person may only merge later
    select
        first_identified_date as report_date,
        acquisition_channel as channel,
        'new_lead' as event_type,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency
    from leads
    where first_identified_at is not null

    union all

    select
        stages.reached_date as report_date,
        coalesce(leads.acquisition_channel, 'unknown') as channel,
        stages.stage as event_type,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency
    from stages
    left join leads
        on stages.contact_id = leads.lead_id
    where stages.stage in ('mql', 'sql', 'opportunity')

    union all

    select
        won_deals.won_date as report_date,
        coalesce(leads.acquisition_channel, 'unknown') as channel,
        'won_deal' as event_type,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        won_deals.amount,
        won_deals.currency
    from won_deals
    left join leads
        on won_deals.contact_id = leads.lead_id

),

flows as (

    select
        report_date,
        channel,
        cast(sum(case when event_type = 'session' then 1 else 0 end) as bigint) as sessions,
        cast(count(distinct visitor_id) as bigint) as unique_visitors,
        cast(sum(case when event_type = 'new_lead' then 1 else 0 end) as bigint) as new_leads,
        cast(sum(case when event_type = 'mql' then 1 else 0 end) as bigint) as mqls,
        cast(sum(case when event_type = 'sql' then 1 else 0 end) as bigint) as sqls,
        cast(sum(case when event_type = 'opportunity' then 1 else 0 end) as bigint) as opportunities,
        cast(sum(case when event_type = 'won_deal' then 1 else 0 end) as bigint) as won_deals,
        cast(sum(case when event_type = 'won_deal' and currency <> '{{ reporting_currency }}' then 1 else 0 end) as bigint)
            as won_deals_other_currency,
        cast(coalesce(sum(case when currency = '{{ reporting_currency }}' then amount end), 0) as decimal(18, 2))
            as won_amount
    from events
    where report_date <= {{ run_date() }}
    group by report_date, channel

),

-- visitor cohorts: visitors first seen that day, and those identified as a lead within the window
visitor_cohorts as (

    select
        visitor_firsts.first_seen_date as report_date,
        visitor_firsts.visitor_channel as channel,
        cast(count(*) as bigint) as cohort_visitors,
        cast(sum(
            case
                when identities.identified_at < {{ dbt.dateadd('day', cohort_days, 'visitor_firsts.first_seen_at') }}
                    and identities.lead_id is not null
                    then 1 else 0
            end
        ) as bigint) as cohort_visitors_identified
    from visitor_firsts
    left join {{ ref('int_identities_stitched') }} as identities
        on identities.identifier_type = 'visitor'
        and identities.identifier = visitor_firsts.visitor_id
    group by visitor_firsts.first_seen_date, visitor_firsts.visitor_channel

),

-- lead cohorts: leads created that day, and those that reached each later stage within the window
lead_stage_reach as (

    select
        leads.lead_id,
        leads.first_identified_date,
        leads.acquisition_channel,
        max(case when stages.stage = 'mql' then 1 else 0 end) as reached_mql,
        max(case when stages.stage = 'sql' then 1 else 0 end) as reached_sql,
        max(case when stages.stage = 'opportunity' then 1 else 0 end) as reached_opportunity,
        max(case when stages.stage = 'customer' then 1 else 0 end) as reached_customer
    from leads
    left join stages
        on stages.contact_id = leads.lead_id
        and stages.reached_at < {{ dbt.dateadd('day', cohort_days, 'leads.first_identified_at') }}
    where leads.first_identified_at is not null
    group by leads.lead_id, leads.first_identified_date, leads.acquisition_channel

),

lead_cohorts as (

    select
        first_identified_date as report_date,
        acquisition_channel as channel,
        cast(count(*) as bigint) as cohort_leads,
        cast(sum(reached_mql) as bigint) as cohort_mqls,
        cast(sum(reached_sql) as bigint) as cohort_sqls,
        cast(sum(reached_opportunity) as bigint) as cohort_opportunities,
        cast(sum(reached_customer) as bigint) as cohort_customers
    from lead_stage_reach
    group by first_identified_date, acquisition_channel

),

active_keys as (

    select report_date, channel from flows
    union
    select report_date, channel from visitor_cohorts where report_date <= {{ run_date() }}
    union
    select report_date, channel from lead_cohorts where report_date <= {{ run_date() }}

),

days as (

    {{ day_spine('(select min(report_date) from active_keys)', run_date()) }}

),

channels as (

    select distinct channel from active_keys

),

grid as (

    select days.calendar_date as report_date, channels.channel
    from days
    cross join channels

)

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('grid.report_date', dbt.type_string()), "'|'", 'grid.channel'])) }} as funnel_day_id,
    grid.report_date,
    grid.channel,
    coalesce(flows.sessions, 0) as sessions,
    coalesce(flows.unique_visitors, 0) as unique_visitors,
    coalesce(flows.new_leads, 0) as new_leads,
    coalesce(flows.mqls, 0) as mqls,
    coalesce(flows.sqls, 0) as sqls,
    coalesce(flows.opportunities, 0) as opportunities,
    coalesce(flows.won_deals, 0) as won_deals,
    coalesce(flows.won_deals_other_currency, 0) as won_deals_other_currency,
    coalesce(flows.won_amount, cast(0 as decimal(18, 2))) as won_amount,
    '{{ reporting_currency }}' as currency,
    {{ cohort_days }} as cohort_window_days,
    {{ dbt.dateadd('day', cohort_days, 'grid.report_date') }} <= {{ run_date() }} as is_cohort_window_closed,
    coalesce(visitor_cohorts.cohort_visitors, 0) as cohort_visitors,
    coalesce(visitor_cohorts.cohort_visitors_identified, 0) as cohort_visitors_identified,
    coalesce(lead_cohorts.cohort_leads, 0) as cohort_leads,
    coalesce(lead_cohorts.cohort_mqls, 0) as cohort_mqls,
    coalesce(lead_cohorts.cohort_sqls, 0) as cohort_sqls,
    coalesce(lead_cohorts.cohort_opportunities, 0) as cohort_opportunities,
    coalesce(lead_cohorts.cohort_customers, 0) as cohort_customers,
    case when visitor_cohorts.cohort_visitors > 0
        then cast(visitor_cohorts.cohort_visitors_identified as {{ float }}) / visitor_cohorts.cohort_visitors end
        as visitor_to_lead_rate,
    case when lead_cohorts.cohort_leads > 0
        then cast(lead_cohorts.cohort_mqls as {{ float }}) / lead_cohorts.cohort_leads end as lead_to_mql_rate,
    case when lead_cohorts.cohort_leads > 0
        then cast(lead_cohorts.cohort_sqls as {{ float }}) / lead_cohorts.cohort_leads end as lead_to_sql_rate,
    case when lead_cohorts.cohort_leads > 0
        then cast(lead_cohorts.cohort_opportunities as {{ float }}) / lead_cohorts.cohort_leads end
        as lead_to_opportunity_rate,
    case when lead_cohorts.cohort_leads > 0
        then cast(lead_cohorts.cohort_customers as {{ float }}) / lead_cohorts.cohort_leads end as lead_to_customer_rate
from grid
left join flows
    on grid.report_date = flows.report_date
    and grid.channel = flows.channel
left join visitor_cohorts
    on grid.report_date = visitor_cohorts.report_date
    and grid.channel = visitor_cohorts.channel
left join lead_cohorts
    on grid.report_date = lead_cohorts.report_date
    and grid.channel = lead_cohorts.channel
