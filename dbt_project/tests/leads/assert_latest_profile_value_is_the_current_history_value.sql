-- dim_lead_profiles and dim_lead_profile_history tell the same story: the latest value of an
-- attribute is the value of its current history interval.
{%- set attributes = ['company_size', 'industry', 'need', 'annual_revenue', 'country', 'job_title', 'seniority'] %}

with latest as (

    {%- for attribute in attributes %}
    select lead_id, '{{ attribute }}' as attribute, {{ attribute }} as attribute_value
    from {{ ref('dim_lead_profiles') }}
    where {{ attribute }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

current_history as (

    select lead_id, attribute, attribute_value
    from {{ ref('dim_lead_profile_history') }}
    where is_current

)

select
    coalesce(latest.lead_id, current_history.lead_id) as lead_id,
    coalesce(latest.attribute, current_history.attribute) as attribute,
    latest.attribute_value as latest_value,
    current_history.attribute_value as current_history_value
from latest
full outer join current_history
    on latest.lead_id = current_history.lead_id
    and latest.attribute = current_history.attribute
where latest.attribute_value is null
    or current_history.attribute_value is null
    or latest.attribute_value <> current_history.attribute_value
