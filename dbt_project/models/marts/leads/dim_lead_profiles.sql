{#- One row per lead: for each profile attribute the latest known value, when that value was first
    and last seen, its source, how many times it was seen and whether conflicting values were seen;
    and the share of the ICP's attributes that are known. The history is dim_lead_profile_history. -#}

{%- set attributes = ['company_size', 'industry', 'need', 'annual_revenue', 'country', 'job_title', 'seniority'] -%}

with leads as (

    select lead_id, contact_id from {{ ref('int_leads_attributed') }}

),

attributes as (

    select * from {{ ref('int_lead_attributes_summarized') }}

),

current_fit as (

    select lead_id, icp_version, profile_completeness
    from {{ ref('int_lead_fit_scored') }}
    where valid_to is null

),

pivoted as (

    select
        lead_id,
        {%- for attribute in attributes %}
        max(case when attribute = '{{ attribute }}' then attribute_value end) as {{ attribute }},
        max(case when attribute = '{{ attribute }}' then first_seen_at end) as {{ attribute }}_first_seen_at,
        max(case when attribute = '{{ attribute }}' then last_seen_at end) as {{ attribute }}_last_seen_at,
        max(case when attribute = '{{ attribute }}' then source end) as {{ attribute }}_source,
        coalesce(max(case when attribute = '{{ attribute }}' then times_seen end), 0) as {{ attribute }}_times_seen,
        coalesce(max(case when attribute = '{{ attribute }}' then cast(has_conflict as integer) end), 0) = 1
            as {{ attribute }}_has_conflict,
        {%- endfor %}
        max(last_seen_at) as profile_updated_at
    from attributes
    group by lead_id

)

select
    leads.lead_id,
    leads.contact_id,
    {%- for attribute in attributes %}
    pivoted.{{ attribute }},
    pivoted.{{ attribute }}_first_seen_at,
    pivoted.{{ attribute }}_last_seen_at,
    pivoted.{{ attribute }}_source,
    coalesce(pivoted.{{ attribute }}_times_seen, 0) as {{ attribute }}_times_seen,
    coalesce(pivoted.{{ attribute }}_has_conflict, false) as {{ attribute }}_has_conflict,
    {%- endfor %}
    pivoted.profile_updated_at,
    current_fit.icp_version,
    coalesce(current_fit.profile_completeness, 0) as profile_completeness
from leads
left join pivoted
    on leads.lead_id = pivoted.lead_id
left join current_fit
    on leads.lead_id = current_fit.lead_id
