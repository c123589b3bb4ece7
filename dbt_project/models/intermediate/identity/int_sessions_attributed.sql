{#- One row per web session with its marketing channel (the campaign's channel when its UTM
    campaign names a known campaign, else read from UTM tags and referrer) and campaign, and the lead it belongs to
    (through its visitor, including the anonymous sessions before the visitor filled in a form). -#}

with sessions as (

    select * from {{ ref('stg_marketing__web_sessions') }}

),

visitors as (

    select identifier as visitor_id, lead_id, contact_id, identified_at
    from {{ ref('int_identities_stitched') }}
    where identifier_type = 'visitor'

),

campaigns as (

    select campaign_id, name, channel
    from {{ ref('stg_marketing__campaigns') }}
    where is_latest

),

-- a UTM campaign tag may carry the campaign id or its name; one campaign per name
campaign_names as (

    select lower(name) as campaign_name, min(campaign_id) as campaign_id, min(channel) as channel
    from campaigns
    where name is not null
    group by lower(name)

)

select
    sessions.session_id,
    sessions.visitor_id,
    visitors.lead_id,
    visitors.contact_id,
    sessions.started_at,
    {{ reporting_date('sessions.started_at') }} as session_date,
    coalesce(
        campaigns.channel,
        campaign_names.channel,
        {{ traffic_channel('sessions.utm_source', 'sessions.utm_medium', 'sessions.referrer') }}
    ) as channel,
    coalesce(campaigns.campaign_id, campaign_names.campaign_id) as campaign_id,
    (visitors.identified_at is null or sessions.started_at < visitors.identified_at) as is_anonymous,
    row_number() over (
        partition by sessions.visitor_id order by sessions.started_at, sessions.session_id
    ) as visitor_session_number,
    sessions.landing_page,
    sessions.pageviews,
    sessions.known_on
from sessions
left join visitors
    on sessions.visitor_id = visitors.visitor_id
left join campaigns
    on sessions.utm_campaign = campaigns.campaign_id
left join campaign_names
    on lower(sessions.utm_campaign) = campaign_names.campaign_name
