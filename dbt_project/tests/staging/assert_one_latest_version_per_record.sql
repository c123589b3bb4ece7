-- In every mutable staging model each record has exactly one latest version, and only the
-- latest version is open (valid_to null).
{%- set mutable = [
    ('stg_marketing__campaigns', 'campaign_id'),
    ('stg_crm__users', 'owner_id'),
    ('stg_crm__companies', 'company_id'),
    ('stg_crm__contacts', 'contact_id'),
    ('stg_crm__user_absences', 'absence_id'),
    ('stg_crm__activities', 'activity_id'),
    ('stg_crm__deals', 'deal_id'),
] %}

{%- for model_name, key in mutable %}
select
    '{{ model_name }}' as model_name,
    {{ key }} as record_id
from {{ ref(model_name) }}
group by {{ key }}
having sum(case when is_latest then 1 else 0 end) <> 1
    or sum(case when valid_to is null then 1 else 0 end) <> 1
{% if not loop.last %}union all{% endif %}
{%- endfor %}
