-- Invariant: business minutes are a subset of wall-clock minutes, so a response never takes more
-- business minutes than minutes on the wall clock.
select handoff_id, response_business_minutes, response_minutes
from {{ ref('fct_sales_sla') }}
where response_business_minutes > response_minutes + 0.001
