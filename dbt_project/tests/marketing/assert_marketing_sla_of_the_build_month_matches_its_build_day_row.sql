-- The monthly marketing SLA of the build month and the daily month-to-date row of the build day
-- are the same measurement: they must agree on every count.
select
    monthly.month_start,
    monthly.segment
from {{ ref('fct_marketing_sla') }} as monthly
inner join {{ ref('fct_marketing_sla_daily') }} as daily
    on monthly.report_date = daily.report_date
    and monthly.segment = daily.segment
where monthly.report_date = {{ run_date() }}
    and (
        monthly.mqls_delivered <> daily.mqls_delivered
        or monthly.lead_value_delivered <> daily.lead_value_delivered
        or monthly.tier_a_mqls <> daily.tier_a_mqls
        or monthly.mqls_accepted_within_window <> daily.mqls_accepted_within_window
        or monthly.mqls_rejected <> daily.mqls_rejected
        or monthly.business_days_elapsed <> daily.business_days_elapsed
        or coalesce(monthly.mql_target, -1) <> coalesce(daily.mql_target, -1)
    )
