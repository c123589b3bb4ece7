-- Which industries win? Win rate per industry under the ICP version in force now, with a 95% interval.
select
    attribute_value                 as industry,
    cast(leads as bigint)           as leads,
    cast(wins as bigint)            as wins,
    round(win_rate, 3)              as win_rate,
    round(lift, 2)                  as lift_over_overall,
    round(win_rate_lower_95, 3)     as win_rate_low,
    round(win_rate_upper_95, 3)     as win_rate_high
from marts.fct_icp_evidence
where evidence_type = 'attribute_value'
  and attribute = 'industry'
  and icp_version = (select max(icp_version) from marts.fct_icp_evidence)
order by win_rate desc, leads desc;
