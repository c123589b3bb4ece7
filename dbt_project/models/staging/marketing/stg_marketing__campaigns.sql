with source as (

    select * from {{ source('marketing', 'campaigns') }}

),

typed as (

    select
        campaign_id,
        {{ clean_text('name') }} as name,
        lower({{ clean_text('channel') }}) as channel,
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on,
        cast(budget as decimal(18, 2)) as budget,
        upper({{ clean_text('currency') }}) as currency,
        cast(updated_at as timestamp) as updated_at,
        {{ known_on('cast(updated_at as timestamp)') }} as known_on,
        _row_hash as row_hash
    from source

),

{{ record_versions('typed', 'campaign_id', 'campaign_version_id', [
    'name', 'channel', 'started_on', 'ended_on', 'budget', 'currency'
]) }}
