-- Does speed win? Win rate by first response in business time, within each ICP tier, over the closed
-- cohorts of the latest SLA version that has any; is_finding: the lift's 95% interval excludes 1.
select
    icp_tier,
    dimension_value                     as first_response,
    handoffs,
    wins,
    round(win_rate, 3)                  as win_rate,
    round(win_lift, 2)                  as lift_over_tier,
    round(win_lift_lower_95, 2)         as lift_low,
    round(win_lift_upper_95, 2)         as lift_high,
    is_win_lift_supported               as is_finding
from marts.fct_followup_evidence
where cohort = 'all_closed'
  and dimension = 'response_business'
  and sla_version = (select max(sla_version) from marts.fct_followup_evidence where cohort = 'all_closed')
order by icp_tier, value_order;
