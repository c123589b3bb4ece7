with source as (

    select * from {{ source('crm', 'activities') }}

),

typed as (

    select
        activity_id,
        contact_id,
        {{ clean_text('owner_id') }} as owner_id,
        type,
        {{ clean_text('direction') }} as direction,
        cast(occurred_at as timestamp) as occurred_at,
        {{ clean_text('outcome') }} as outcome,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'activity_id', 'activity_version_id', [
    'contact_id', 'owner_id', 'type', 'direction', 'occurred_at', 'outcome', 'created_at'
]) }}
