with source as (

    select * from {{ source('crm', 'owner_assignments') }}

),

typed as (

    select
        assignment_id,
        contact_id,
        {{ clean_text('owner_id') }} as owner_id,
        cast(assigned_at as timestamp) as assigned_at,
        {{ clean_text('assigned_by') }} as assigned_by,
        {{ known_on('cast(assigned_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ first_known_records('typed', 'assignment_id', [
    'contact_id', 'owner_id', 'assigned_at', 'assigned_by'
], 'assigned_at') }}
