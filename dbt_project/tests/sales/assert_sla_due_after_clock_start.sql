-- Invariant: a due time is never before its clock starts (team and rep views).
select handoff_id, clock_started_at, sla_due_at, rep_clock_started_at, rep_sla_due_at
from {{ ref('fct_sales_sla') }}
where sla_due_at < clock_started_at
    or rep_sla_due_at < rep_clock_started_at
