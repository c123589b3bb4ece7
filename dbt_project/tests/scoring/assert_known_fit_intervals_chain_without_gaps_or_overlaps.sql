-- A lead's fit intervals as each night knew them follow each other: each ends where the next
-- starts, only the last is open, and none is empty. So the fit scoring reads for an anchor is
-- always at most one row.
with ordered as (

    select
        lead_id,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by lead_id order by valid_from) as next_valid_from
    from {{ ref('dim_lead_fit_history') }}

)

select *
from ordered
where (next_valid_from is null and valid_to is not null)
    or (next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from))
    or valid_to <= valid_from
