with source as (

    select * from {{ source('crm', 'contacts') }}

),

typed as (

    select
        contact_id,
        {{ normalize_email('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('job_title') }} as job_title,
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('lifecycle_stage') }} as lifecycle_stage,
        {{ clean_text('lead_status') }} as lead_status,
        {{ clean_text('source') }} as source,
        cast(created_at as timestamp) as created_at,
        coalesce(cast(is_deleted as boolean), false) as is_deleted,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'contact_id', 'contact_version_id', [
    'email', 'first_name', 'last_name', 'job_title', 'company_id', 'owner_id',
    'lifecycle_stage', 'lead_status', 'source', 'created_at', 'is_deleted'
]) }}
