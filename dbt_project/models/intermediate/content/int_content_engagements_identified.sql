{#- One row per person and content piece: the person's first engagement with the piece, and whether
    that piece was the first of its kind the person engaged with (first touch).

    A content piece is a landing page (the page a web session landed on), a form (form_id) or a
    campaign (the campaign of a session, of a form, or of a clicked e-mail). A person is the lead the
    engagement belongs to (a visitor stitched to a lead brings its anonymous sessions too), else the
    anonymous cookie visitor, else the e-mail address (an e-mail recipient who is not a lead): the
    identity_key of int_identities_stitched. E-mail opens, sends and deliveries are not engagement:
    only a click is (mail clients fetch the pixel that counts an open by themselves). -#}

with identities as (

    select identity_key, identifier_type, identifier, lead_id
    from {{ ref('int_identities_stitched') }}

),

sessions as (

    select
        coalesce(lead_id, {{ dbt.concat(["'visitor:'", 'visitor_id']) }}) as person_key,
        lead_id,
        started_at as touched_at,
        landing_page,
        campaign_id
    from {{ ref('int_sessions_attributed') }}

),

forms as (

    select
        coalesce(email_identities.lead_id, visitor_identities.lead_id, email_identities.identity_key,
                 visitor_identities.identity_key) as person_key,
        coalesce(email_identities.lead_id, visitor_identities.lead_id) as lead_id,
        forms.submitted_at as touched_at,
        forms.form_id,
        forms.campaign_id
    from {{ ref('stg_marketing__form_submissions') }} as forms
    left join identities as email_identities
        on email_identities.identifier_type = 'email'
        and forms.email = email_identities.identifier
    left join identities as visitor_identities
        on visitor_identities.identifier_type = 'visitor'
        and forms.visitor_id = visitor_identities.identifier

),

clicks as (

    select
        coalesce(identities.lead_id, identities.identity_key) as person_key,
        identities.lead_id,
        events.occurred_at as touched_at,
        events.campaign_id
    from {{ ref('stg_marketing__email_events') }} as events
    inner join identities
        on identities.identifier_type = 'email'
        and events.email = identities.identifier
    where events.event_type = 'click'

),

touches as (

    select person_key, lead_id, touched_at, 'landing_page' as content_kind, landing_page as content_id
    from sessions
    where landing_page is not null
    union all
    select person_key, lead_id, touched_at, 'campaign' as content_kind, campaign_id as content_id
    from sessions
    where campaign_id is not null
    union all
    select person_key, lead_id, touched_at, 'form' as content_kind, form_id as content_id
    from forms
    where form_id is not null and person_key is not null
    union all
    select person_key, lead_id, touched_at, 'campaign' as content_kind, campaign_id as content_id
    from forms
    where campaign_id is not null and person_key is not null
    union all
    select person_key, lead_id, touched_at, 'campaign' as content_kind, campaign_id as content_id
    from clicks
    where campaign_id is not null

),

engagements as (

    select
        person_key,
        max(lead_id) as lead_id,
        content_kind,
        content_id,
        min(touched_at) as engaged_at,
        count(*) as touches
    from touches
    group by person_key, content_kind, content_id

),

campaigns as (

    select campaign_id, name
    from {{ ref('stg_marketing__campaigns') }}
    where is_latest

)

select
    {{ dbt.hash(dbt.concat(['engagements.person_key', "'|'", 'engagements.content_kind', "'|'", 'engagements.content_id'])) }}
        as content_engagement_id,
    engagements.person_key,
    engagements.lead_id,
    engagements.content_kind,
    engagements.content_id,
    case
        when engagements.content_kind = 'campaign' then coalesce(campaigns.name, engagements.content_id)
        else engagements.content_id
    end as content_name,
    engagements.engaged_at,
    {{ reporting_date('engagements.engaged_at') }} as engaged_date,
    cast(engagements.touches as bigint) as touches,
    row_number() over (
        partition by engagements.person_key, engagements.content_kind
        order by engagements.engaged_at, engagements.content_id
    ) = 1 as is_first_touch
from engagements
left join campaigns
    on engagements.content_kind = 'campaign'
    and engagements.content_id = campaigns.campaign_id
