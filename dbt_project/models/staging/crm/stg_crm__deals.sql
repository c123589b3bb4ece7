with source as (

    select * from {{ source('crm', 'deals') }}

),

typed as (

    select
        deal_id,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('owner_id') }} as owner_id,
        cast(created_at as timestamp) as created_at,
        {{ clean_text('stage') }} as stage,
        cast(amount as decimal(18, 2)) as amount,
        upper({{ clean_text('currency') }}) as currency,
        cast(closed_at as timestamp) as closed_at,
        coalesce(cast(is_won as boolean), false) as is_won,
        {{ clean_text('lost_reason') }} as lost_reason,
        coalesce(cast(is_deleted as boolean), false) as is_deleted,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'deal_id', 'deal_version_id', [
    'contact_id', 'company_id', 'owner_id', 'created_at', 'stage', 'amount', 'currency',
    'closed_at', 'is_won', 'lost_reason', 'is_deleted'
]) }}
