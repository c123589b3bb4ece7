{#- One row per lead, profile attribute and value interval: which value was in force from valid_from
    until valid_to (exclusive; null while current), with everything known by the build day, and
    known_on, the first day the value was known. A profile as of instant T is
    `where valid_from <= T and (valid_to is null or valid_to > T)`; as it was known on day D at T
    (what scoring for a past day uses), the latest row per attribute with `valid_from <= T and
    known_on <= D`. -#}

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
    known_on,
    is_current
from {{ ref('int_lead_profiles_historized') }}
