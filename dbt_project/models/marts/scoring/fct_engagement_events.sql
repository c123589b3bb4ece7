{#- One row per behaviour event tied to a lead: a form submitted, a web session, a click or an open in
    a marketing e-mail, named by the engagement signal it counts as. known_from is the instant the
    event could first be tied to the lead (its own time, or later when the visitor or e-mail was
    identified later); known_on the day both its own record and the record tying it to the lead had
    reached the warehouse. Sends, deliveries, bounces and unsubscribes are not engagement. -#}

with identities as (

    select identifier_type, identifier, lead_id, identified_at, identified_on
    from {{ ref('int_identities_stitched') }}
    where lead_id is not null

),

forms as (

    select
        'form_submission' as event_source,
        forms.submission_id as source_record_id,
        ids.lead_id,
        case forms.form_type
            when 'demo_request' then 'demo_request'
            when 'contact_sales' then 'contact_sales'
            when 'trial' then 'trial'
            when 'webinar' then 'webinar'
            when 'content_download' then 'content_download'
            when 'newsletter' then 'newsletter'
        end as signal,
        forms.submitted_at as event_at,
        greatest(forms.submitted_at, coalesce(ids.identified_at, forms.submitted_at)) as known_from,
        greatest(forms.known_on, coalesce(ids.identified_on, forms.known_on)) as known_on
    from {{ ref('stg_marketing__form_submissions') }} as forms
    inner join identities as ids
        on ids.identifier_type = 'email' and ids.identifier = forms.email

),

sessions as (

    select
        'web_session' as event_source,
        sessions.session_id as source_record_id,
        sessions.lead_id,
        case when sessions.landing_page like '%/pricing%' then 'pricing_visit' else 'web_visit' end as signal,
        sessions.started_at as event_at,
        greatest(sessions.started_at, coalesce(ids.identified_at, sessions.started_at)) as known_from,
        greatest(sessions.known_on, coalesce(ids.identified_on, sessions.known_on)) as known_on
    from {{ ref('int_sessions_attributed') }} as sessions
    left join identities as ids
        on ids.identifier_type = 'visitor' and ids.identifier = sessions.visitor_id
    where sessions.lead_id is not null

),

emails as (

    select
        'email_event' as event_source,
        events.event_id as source_record_id,
        ids.lead_id,
        case events.event_type when 'click' then 'email_click' when 'open' then 'email_open' end as signal,
        events.occurred_at as event_at,
        greatest(events.occurred_at, coalesce(ids.identified_at, events.occurred_at)) as known_from,
        greatest(events.known_on, coalesce(ids.identified_on, events.known_on)) as known_on
    from {{ ref('stg_marketing__email_events') }} as events
    inner join identities as ids
        on ids.identifier_type = 'email' and ids.identifier = events.email
    where events.event_type in ('click', 'open')

),

events as (

    select * from forms
    union all
    select * from sessions
    union all
    select * from emails

)

select
    {{ dbt.hash(dbt.concat(['event_source', "'|'", 'source_record_id'])) }} as engagement_event_id,
    event_source,
    source_record_id,
    lead_id,
    signal,
    event_at,
    known_from,
    cast(known_on as date) as known_on
from events
where signal is not null and event_at is not null
