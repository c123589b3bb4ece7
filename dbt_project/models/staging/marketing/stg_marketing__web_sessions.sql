with source as (

    select * from {{ source('marketing', 'web_sessions') }}

),

typed as (

    select
        session_id,
        visitor_id,
        cast(started_at as timestamp) as started_at,
        cast(ended_at as timestamp) as ended_at,
        {{ clean_text('landing_page') }} as landing_page,
        {{ clean_text('referrer') }} as referrer,
        lower({{ clean_text('utm_source') }}) as utm_source,
        lower({{ clean_text('utm_medium') }}) as utm_medium,
        {{ clean_text('utm_campaign') }} as utm_campaign,
        cast(pageviews as integer) as pageviews,
        {{ known_on('cast(started_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ first_known_records('typed', 'session_id', [
    'visitor_id', 'started_at', 'ended_at', 'landing_page', 'referrer', 'utm_source',
    'utm_medium', 'utm_campaign', 'pageviews'
], 'started_at') }}
