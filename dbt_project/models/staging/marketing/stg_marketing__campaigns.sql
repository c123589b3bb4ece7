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

known as (

    select * from typed where {{ known_as_of_build('updated_at') }}

),

ranked as (

    select known.*, {{ version_rank('campaign_id') }} as version_rank from known

)

select
    {{ version_id('campaign_id') }} as campaign_version_id,
    campaign_id,
    name,
    channel,
    started_on,
    ended_on,
    budget,
    currency,
    updated_at,
    updated_at as valid_from,
    {{ valid_to('campaign_id') }} as valid_to,
    {{ is_latest('campaign_id') }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
