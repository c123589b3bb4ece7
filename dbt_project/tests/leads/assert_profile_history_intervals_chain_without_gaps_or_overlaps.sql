-- A lead's value intervals of one attribute follow each other: each ends where the next starts,
-- only the last is open (is_current), consecutive intervals hold different values.
with ordered as (

    select
        lead_id,
        attribute,
        attribute_value,
        valid_from,
        valid_to,
        is_current,
        lead(valid_from) over (partition by lead_id, attribute order by interval_number) as next_valid_from,
        lead(attribute_value) over (partition by lead_id, attribute order by interval_number) as next_value
    from {{ ref('dim_lead_profile_history') }}

)

select *
from ordered
where (next_valid_from is null) <> is_current
    or (next_valid_from is null and valid_to is not null)
    or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))
    or next_value = attribute_value
