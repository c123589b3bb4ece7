-- Invariant: the daily fact counts each handoff's rep deadline once at most, and never more
-- deadlines met than due nor more breached than due.
select activity_date, owner_id
from {{ ref('fct_sales_sla_daily') }}
where handoffs_met_by_due + handoffs_breached <> handoffs_due
    or sla_attainment < 0
    or sla_attainment > 1
