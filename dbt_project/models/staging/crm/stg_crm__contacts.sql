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

known as (

    select * from typed where {{ known_as_of_build('updated_at') }}

),

ranked as (

    select known.*, {{ version_rank('contact_id') }} as version_rank from known

)

select
    {{ version_id('contact_id') }} as contact_version_id,
    contact_id,
    email,
    first_name,
    last_name,
    job_title,
    company_id,
    owner_id,
    lifecycle_stage,
    lead_status,
    source,
    created_at,
    is_deleted,
    updated_at,
    updated_at as valid_from,
    {{ valid_to('contact_id') }} as valid_to,
    {{ is_latest('contact_id') }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
