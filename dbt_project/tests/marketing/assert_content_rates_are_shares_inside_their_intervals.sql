-- Every rate of the content conversion mart is a share between 0 and 1, and every 95% interval
-- contains its rate; so is the share of new leads a piece touched. Returns the offending rows with
-- the failed rule.
{%- set rates = ['lead', 'mql', 'win', 'first_touch_lead', 'first_touch_mql', 'first_touch_win'] %}

with conversion as (

    select * from {{ ref('fct_content_conversion') }}

),

{%- for rate in rates %}
{{ rate }}_violations as (

    select
        content_conversion_id,
        '{{ rate }}' as rate,
        case
            when not ({{ rate }}_rate between 0 and 1) then 'rate outside 0..1'
            when not ({{ rate }}_rate_lower_95 >= 0 and {{ rate }}_rate_upper_95 <= 1) then 'interval outside 0..1'
            when not ({{ rate }}_rate_lower_95 <= {{ rate }}_rate and {{ rate }}_rate <= {{ rate }}_rate_upper_95)
                then 'interval does not contain its rate'
            when {{ rate }}_rate is null and ({{ rate }}_rate_lower_95 is not null or {{ rate }}_rate_upper_95 is not null)
                then 'interval without a rate'
        end as violation
    from conversion

),
{%- endfor %}

shares as (

    select content_conversion_id, 'share_of_leads_touched' as rate, 'share outside 0..1' as violation
    from conversion
    where not (share_of_leads_touched between 0 and 1)

)

{%- for rate in rates %}
select * from {{ rate }}_violations where violation is not null
union all
{%- endfor %}
select * from shares
