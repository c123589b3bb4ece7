-- Every contact handed off to sales is a lead in dim_leads (deleted contacts included).
select handoffs.handoff_id, handoffs.contact_id
from {{ ref('int_handoffs_sequenced') }} as handoffs
left join {{ ref('dim_leads') }} as leads
    on handoffs.contact_id = leads.lead_id
where leads.lead_id is null
