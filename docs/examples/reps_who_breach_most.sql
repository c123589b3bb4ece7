-- Which reps breach most? First-touch deadlines of the last 28 days, per rep, worst first.
select
    owner_id,
    cast(sum(handoffs_due) as bigint)                   as deadlines,   -- sum() of a BIGINT is a HUGEINT
    cast(sum(handoffs_breached) as bigint)              as breached,
    round(sum(handoffs_breached) / nullif(sum(handoffs_due), 0), 3) as breach_rate,
    round(median(median_response_business_minutes))    as typical_median_response_business_minutes
from marts.fct_sales_sla_daily
where activity_date > (select max(activity_date) from marts.fct_sales_sla_daily) - interval 28 day
group by owner_id
having sum(handoffs_due) > 0
order by breach_rate desc, breached desc;
