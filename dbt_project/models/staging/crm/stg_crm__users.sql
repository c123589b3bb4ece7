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
        upper({{ clean_text('subdivision') }}) as subdivision,
        cast(work_start as time) as work_start,
        cast(work_end as time) as work_end,
        coalesce(cast(active as boolean), true) as active,
        {{ clean_text('manager_id') }} as manager_id,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'owner_id', 'user_version_id', [
    'name', 'email', 'team', 'timezone', 'country', 'subdivision', 'work_start', 'work_end', 'active', 'manager_id'
]) }}
