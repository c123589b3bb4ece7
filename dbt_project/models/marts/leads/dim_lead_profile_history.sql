{#- One row per lead, profile attribute and value interval: which value was known from valid_from
    until valid_to (exclusive; null while current). A profile as of instant T is
    `where valid_from <= T and (valid_to is null or valid_to > T)`. -#}

select
    profile_interval_id,
    lead_id,
    contact_id,
    attribute,
    interval_number,
    attribute_value,
    valid_from,
    valid_to,
    last_seen_at,
    times_seen,
    source,
    is_current
from {{ ref('int_lead_profiles_historized') }}
