with source as (

    select * from {{ source('crm', 'companies') }}

),

typed as (

    select
        company_id,
        {{ clean_text('name') }} as name,
        lower({{ clean_text('domain') }}) as domain,
        {{ clean_text('industry') }} as industry,
        cast(employee_count as integer) as employee_count,
        cast(annual_revenue as decimal(18, 2)) as annual_revenue,
        upper({{ clean_text('country') }}) as country,
        cast(created_at as timestamp) as created_at,
        coalesce(cast(is_deleted as boolean), false) as is_deleted,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'company_id', 'company_version_id', [
    'name', 'domain', 'industry', 'employee_count', 'annual_revenue', 'country', 'created_at',
    'is_deleted'
]) }}
