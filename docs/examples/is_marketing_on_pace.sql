-- Is marketing on pace this month? Month to date per segment, as of the latest built day.
select
    segment,
    cast(mql_target as bigint)     as mql_target,
    cast(mqls_delivered as bigint) as mqls_delivered,
    round(pace_target_mqls, 1)   as pace_target_today,
    round(pace_attainment, 3)    as pace,               -- 1.0 = exactly on pace
    cast(round(projected_mqls) as bigint) as projected_by_month_end,
    round(projected_attainment, 3) as projected_attainment
from marts.fct_marketing_sla_daily
where report_date = (select max(report_date) from marts.fct_marketing_sla_daily)
order by segment;
