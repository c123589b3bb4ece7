with source as (

    select * from {{ source('crm', 'lifecycle_changes') }}

),

typed as (

    select
        change_id,
        contact_id,
        {{ clean_text('from_stage') }} as from_stage,
        to_stage,
        cast(changed_at as timestamp) as changed_at,
        {{ clean_text('changed_by') }} as changed_by,
        {{ known_on('cast(changed_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ first_known_records('typed', 'change_id', [
    'contact_id', 'from_stage', 'to_stage', 'changed_at', 'changed_by'
], 'changed_at') }}
