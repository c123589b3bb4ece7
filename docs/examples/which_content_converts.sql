-- Which content converts? Landing pages by the share of the people they reached who became MQLs
-- within the content window (90 days), any touch beside first touch, over every closed month pooled;
-- surest first (the low end of the 95% interval).
select
    content_name                          as landing_page,
    engaged_people                        as people,
    mqls,
    round(mql_rate, 3)                    as mql_rate,
    round(mql_rate_lower_95, 3)           as mql_rate_low,
    round(mql_rate_upper_95, 3)           as mql_rate_high,
    first_touch_people,
    first_touch_mqls,
    round(first_touch_mql_rate, 3)        as first_touch_mql_rate,
    round(share_of_leads_touched, 3)      as share_of_new_leads_touched
from marts.fct_content_conversion
where content_kind = 'landing_page'
  and cohort = 'all_closed'
  and engaged_people > 0
order by mql_rate_lower_95 desc, engaged_people desc;
