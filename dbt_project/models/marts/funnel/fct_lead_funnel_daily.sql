{#- One row per day (reporting zone) and first-touch channel with any funnel activity: sessions and
    unique visitors (by the channel of the visitor's first session), new leads (by the lead's
    acquisition channel: its first touch as known when it became a lead), first-time mqls, sqls and
    opportunities, and won deals and amount (by the acquisition channel of the deal's contact).
    won_amount adds up only deals in the reporting currency (var reporting_currency, default USD):
    amounts in different currencies cannot be added without exchange rates, so deals in other
    currencies are counted in won_deals and, separately, in won_deals_other_currency.
    A day counts only what happened on it and was known by it. Day-partitioned: an incremental
    build computes the build day, plus any day after the newest one present (a missed night is
    filled), and replaces those days (macros/incremental_days.sql). -#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_date',
    on_schema_change='fail'
) }}

{%- set float = type_ratio() -%}
{%- set reporting_currency = var('reporting_currency', 'USD') -%}

with leads as (

    select lead_id, contact_id, acquisition_channel, first_identified_at, first_identified_date, first_identified_on
    from {{ ref('int_leads_attributed') }}

),

sessions as (

    select * from {{ ref('int_sessions_attributed') }}

),

visitor_channels as (

    select visitor_id, channel as visitor_channel
    from sessions
    where visitor_session_number = 1

),

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

-- a deal is won on the day it closed as won, judged by its version known at the end of that day
won_candidate_days as (

    select distinct deal_id, {{ reporting_date('closed_at') }} as won_date
    from deals
    where is_won and closed_at is not null

),

deal_versions_at_day as (

    select
        won_candidate_days.won_date,
        deals.*,
        row_number() over (
            partition by deals.deal_id, won_candidate_days.won_date order by deals.valid_from desc
        ) as version_rank
    from won_candidate_days
    inner join deals
        on won_candidate_days.deal_id = deals.deal_id
        and deals.valid_from < {{ reporting_day_start_utc(dbt.dateadd('day', 1, 'won_candidate_days.won_date')) }}
        and deals.known_on <= won_candidate_days.won_date

),

won_deals as (

    select *
    from deal_versions_at_day
    where version_rank = 1
        and is_won
        and not is_deleted
        and {{ reporting_date('closed_at') }} = won_date

),

events as (

    select
        sessions.session_date as report_date,
        coalesce(visitor_channels.visitor_channel, sessions.channel) as channel,
        sessions.known_on,
        'session' as event_type,
        sessions.visitor_id,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency
    from sessions
    left join visitor_channels
        on sessions.visitor_id = visitor_channels.visitor_id

    union all

    -- a lead is new when first identified (a form e-mail or its contact record), not when a CRM
    -- event merely cites its contact id: two such sightings of one person may only merge later
    select
        first_identified_date as report_date,
        acquisition_channel as channel,
        first_identified_on as known_on,
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
        stages.known_on,
        stages.stage as event_type,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        cast(null as decimal(18, 2)) as amount,
        cast(null as {{ dbt.type_string() }}) as currency
    from {{ ref('int_lead_stages_reached') }} as stages
    left join leads
        on stages.contact_id = leads.lead_id
    where stages.stage in ('mql', 'sql', 'opportunity')

    union all

    select
        won_deals.won_date as report_date,
        coalesce(leads.acquisition_channel, 'unknown') as channel,
        won_deals.known_on,
        'won_deal' as event_type,
        cast(null as {{ dbt.type_string() }}) as visitor_id,
        won_deals.amount,
        won_deals.currency
    from won_deals
    left join leads
        on won_deals.contact_id = leads.lead_id

),

known_events as (

    select *
    from events
    where known_on <= report_date
        and {{ incremental_days('report_date', 'report_date') }}

),

counted as (

    select
        report_date,
        channel,
        cast(sum(case when event_type = 'session' then 1 else 0 end) as integer) as sessions,
        cast(count(distinct visitor_id) as integer) as unique_visitors,
        cast(sum(case when event_type = 'new_lead' then 1 else 0 end) as integer) as new_leads,
        cast(sum(case when event_type = 'mql' then 1 else 0 end) as integer) as mqls,
        cast(sum(case when event_type = 'sql' then 1 else 0 end) as integer) as sqls,
        cast(sum(case when event_type = 'opportunity' then 1 else 0 end) as integer) as opportunities,
        cast(sum(case when event_type = 'won_deal' then 1 else 0 end) as integer) as won_deals,
        cast(sum(case when event_type = 'won_deal' and currency <> '{{ reporting_currency }}' then 1 else 0 end) as integer)
            as won_deals_other_currency,
        cast(coalesce(sum(case when currency = '{{ reporting_currency }}' then amount end), 0) as decimal(18, 2))
            as won_amount
    from known_events
    group by report_date, channel

)

select
    {{ dbt.hash(dbt.concat([dbt.safe_cast('report_date', dbt.type_string()), "'|'", 'channel'])) }} as funnel_day_id,
    report_date,
    channel,
    sessions,
    unique_visitors,
    new_leads,
    mqls,
    sqls,
    opportunities,
    won_deals,
    won_deals_other_currency,
    won_amount,
    '{{ reporting_currency }}' as currency,
    case when unique_visitors > 0 then cast(new_leads as {{ float }}) / unique_visitors end as visitor_to_lead_rate,
    case when new_leads > 0 then cast(mqls as {{ float }}) / new_leads end as lead_to_mql_rate,
    case when mqls > 0 then cast(sqls as {{ float }}) / mqls end as mql_to_sql_rate,
    case when sqls > 0 then cast(opportunities as {{ float }}) / sqls end as sql_to_opportunity_rate,
    case when opportunities > 0 then cast(won_deals as {{ float }}) / opportunities end as opportunity_to_won_rate
from counted
