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

known as (

    select * from typed where {{ known_as_of_build('updated_at') }}

),

ranked as (

    select known.*, {{ version_rank('absence_id') }} as version_rank from known

)

select
    {{ version_id('absence_id') }} as user_absence_version_id,
    absence_id,
    owner_id,
    starts_at,
    ends_at,
    reason,
    updated_at,
    updated_at as valid_from,
    {{ valid_to('absence_id') }} as valid_to,
    {{ is_latest('absence_id') }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
