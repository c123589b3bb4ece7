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

known as (

    select * from typed where {{ known_as_of_build('assigned_at') }}

),

ranked as (

    select known.*, {{ first_version_rank('assignment_id') }} as version_rank from known

)

select
    assignment_id,
    contact_id,
    owner_id,
    assigned_at,
    assigned_by,
    known_on,
    row_hash
from ranked
where version_rank = 1
