with source as (

    select * from {{ source('crm', 'user_absences') }}

),

typed as (

    select
        absence_id,
        owner_id,
        cast(starts_at as timestamp) as starts_at,
        cast(ends_at as timestamp) as ends_at,
        {{ clean_text('reason') }} as reason,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'absence_id', 'user_absence_version_id', [
    'owner_id', 'starts_at', 'ends_at', 'reason'
]) }}
