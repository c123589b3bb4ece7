-- An identifier (e-mail or visitor) tied to a lead points at a lead that dim_leads has.
select identities.identity_key, identities.lead_id
from {{ ref('int_identities_stitched') }} as identities
left join {{ ref('dim_leads') }} as leads
    on identities.lead_id = leads.lead_id
where identities.lead_id is not null
    and leads.lead_id is null
