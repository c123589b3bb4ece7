with source as (

    select * from {{ source('crm', 'users') }}

),

typed as (

    select
        owner_id,
        {{ clean_text('name') }} as name,
        {{ normalize_email('email') }} as email,
        team,
        trim(timezone) as timezone,
        upper({{ clean_text('country') }}) as country,
        cast(work_start as time) as work_start,
        cast(work_end as time) as work_end,
        coalesce(cast(active as boolean), true) as active,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

known as (

    select * from typed where {{ known_as_of_build('updated_at') }}

),

ranked as (

    select known.*, {{ version_rank('owner_id') }} as version_rank from known

)

select
    {{ version_id('owner_id') }} as user_version_id,
    owner_id,
    name,
    email,
    team,
    timezone,
    country,
    work_start,
    work_end,
    active,
    updated_at,
    updated_at as valid_from,
    {{ valid_to('owner_id') }} as valid_to,
    {{ is_latest('owner_id') }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
