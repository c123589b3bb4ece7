with source as (

    select * from {{ source('marketing', 'form_submissions') }}

),

typed as (

    select
        submission_id,
        {{ clean_text('visitor_id') }} as visitor_id,
        cast(submitted_at as timestamp) as submitted_at,
        {{ clean_text('form_id') }} as form_id,
        form_type,
        {{ clean_text('page_url') }} as page_url,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ normalize_email('email') }} as email,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('company_name') }} as company_name,
        lower({{ clean_text('company_domain') }}) as company_domain,
        {{ clean_text('job_title') }} as job_title,
        {{ clean_text('company_size') }} as company_size,
        {{ clean_text('industry') }} as industry,
        {{ clean_text('need') }} as need,
        {{ clean_text('annual_revenue') }} as annual_revenue,
        upper({{ clean_text('country') }}) as country,
        {{ clean_text('phone') }} as phone,
        {{ known_on('cast(submitted_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ first_known_records('typed', 'submission_id', [
    'visitor_id', 'submitted_at', 'form_id', 'form_type', 'page_url', 'campaign_id', 'email',
    'first_name', 'last_name', 'company_name', 'company_domain', 'job_title', 'company_size',
    'industry', 'need', 'annual_revenue', 'country', 'phone'
], 'submitted_at') }}
