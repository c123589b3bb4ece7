with source as (

    select * from {{ source('marketing', 'email_events') }}

),

typed as (

    select
        event_id,
        {{ normalize_email('email') }} as email,
        {{ clean_text('campaign_id') }} as campaign_id,
        event_type,
        cast(occurred_at as timestamp) as occurred_at,
        {{ known_on('cast(occurred_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ first_known_records('typed', 'event_id', [
    'email', 'campaign_id', 'event_type', 'occurred_at'
], 'occurred_at') }}
