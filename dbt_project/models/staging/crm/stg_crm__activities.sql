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

known as (

    select * from typed where {{ known_as_of_build('updated_at') }}

),

ranked as (

    select known.*, {{ version_rank('activity_id') }} as version_rank from known

)

select
    {{ version_id('activity_id') }} as activity_version_id,
    activity_id,
    contact_id,
    owner_id,
    type,
    direction,
    occurred_at,
    outcome,
    created_at,
    updated_at,
    updated_at as valid_from,
    {{ valid_to('activity_id') }} as valid_to,
    {{ is_latest('activity_id') }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
