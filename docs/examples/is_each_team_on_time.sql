-- Is each team on time, week by week? The on-time share of first-touch deadlines per team over the
-- last 8 calendar weeks (a team's share adds up its reps' deadlines), and how many leads each team has
-- left untouched past the agreement's point (to recycle to marketing or escalate).
select
    weekly.team,
    weekly.week_start,
    cast(sum(weekly.handoffs_due) as bigint)       as deadlines,
    cast(sum(weekly.handoffs_met_by_due) as bigint) as met,
    round(sum(weekly.handoffs_met_by_due) / nullif(sum(weekly.handoffs_due), 0), 3) as on_time_share,
    bool_and(weekly.is_week_complete)              as is_week_complete,
    (select count(*) from marts.fct_sales_sla as sla
     inner join marts.dim_reps as reps on reps.owner_id = sla.rep_owner_id
     where sla.is_past_untouched_limit and sla.outcome = 'open' and reps.team = weekly.team) as untouched_past_the_point
from marts.fct_sales_sla_weekly as weekly
where weekly.week_start > (select max(week_start) from marts.fct_sales_sla_weekly) - interval 8 week
group by weekly.team, weekly.week_start
order by weekly.team, weekly.week_start;
