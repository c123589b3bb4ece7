{#- One row per observation of one profile attribute of a lead: each form field a lead filled in,
    and each CRM value as it appeared or changed (contact job title; the company's industry,
    size, revenue and country while the contact worked there). Values are in the ICP vocabulary:
    company_size and annual_revenue as bands, seniority derived from the job title. -#}

{%- set far_future = "cast('9999-12-31 00:00:00' as timestamp)" -%}

with identities as (

    select identifier as email, lead_id, contact_id
    from {{ ref('int_identities_stitched') }}
    where identifier_type = 'email' and lead_id is not null

),

forms as (

    select
        identities.lead_id,
        identities.contact_id,
        forms.submission_id as source_record_id,
        forms.submitted_at as observed_at,
        forms.known_on,
        {{ company_size_band('forms.company_size') }} as company_size,
        {{ vocabulary_value('forms.industry') }} as industry,
        {{ vocabulary_value('forms.need') }} as need,
        {{ annual_revenue_band('forms.annual_revenue') }} as annual_revenue,
        forms.country,
        forms.job_title,
        {{ seniority_from_job_title('forms.job_title') }} as seniority
    from {{ ref('stg_marketing__form_submissions') }} as forms
    inner join identities
        on forms.email = identities.email

),

form_observations as (

    {%- for attribute in ['company_size', 'industry', 'need', 'annual_revenue', 'country', 'job_title', 'seniority'] %}
    select
        lead_id, contact_id, '{{ attribute }}' as attribute, {{ attribute }} as attribute_value,
        observed_at, known_on, 'form' as source, source_record_id
    from forms
    where {{ attribute }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

contact_versions as (

    select * from {{ ref('stg_crm__contacts') }}

),

-- the contact's job title, read from every version
contact_values as (

    select
        contact_id as lead_id,
        contact_id,
        contact_version_id as source_record_id,
        valid_from as observed_at,
        known_on,
        job_title,
        {{ seniority_from_job_title('job_title') }} as seniority
    from contact_versions

),

-- the company's values while the contact worked there: each overlap of a contact version
-- linked to a company with a version of that company
company_values as (

    select
        contacts.contact_id as lead_id,
        contacts.contact_id,
        companies.company_version_id as source_record_id,
        case
            when companies.valid_from > contacts.valid_from then companies.valid_from
            else contacts.valid_from
        end as observed_at,
        case
            when companies.known_on > contacts.known_on then companies.known_on
            else contacts.known_on
        end as known_on,
        {{ vocabulary_value('companies.industry') }} as industry,
        {{ employee_count_band('companies.employee_count') }} as company_size,
        {{ annual_revenue_amount_band('companies.annual_revenue') }} as annual_revenue,
        companies.country
    from contact_versions as contacts
    inner join {{ ref('stg_crm__companies') }} as companies
        on contacts.company_id = companies.company_id
        and companies.valid_from < coalesce(contacts.valid_to, {{ far_future }})
        and contacts.valid_from < coalesce(companies.valid_to, {{ far_future }})
    where not companies.is_deleted

),

crm_candidates as (

    {%- for attribute in ['job_title', 'seniority'] %}
    select
        lead_id, contact_id, '{{ attribute }}' as attribute, {{ attribute }} as attribute_value,
        observed_at, known_on, source_record_id
    from contact_values
    where {{ attribute }} is not null
    union all
    {%- endfor %}
    {%- for attribute in ['industry', 'company_size', 'annual_revenue', 'country'] %}
    select
        lead_id, contact_id, '{{ attribute }}' as attribute, {{ attribute }} as attribute_value,
        observed_at, known_on, source_record_id
    from company_values
    where {{ attribute }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- a CRM value is observed when it appears or changes, not again with every unrelated edit
crm_sequenced as (

    select
        crm_candidates.*,
        lag(attribute_value) over (
            partition by contact_id, attribute order by observed_at, source_record_id
        ) as previous_value
    from crm_candidates

),

crm_observations as (

    select
        lead_id, contact_id, attribute, attribute_value, observed_at, known_on,
        'crm' as source, source_record_id
    from crm_sequenced
    where previous_value is null or previous_value <> attribute_value

),

observations as (

    select * from form_observations
    union all
    select * from crm_observations

)

select
    {{ dbt.hash(dbt.concat(['lead_id', "'|'", 'source', "'|'", 'source_record_id', "'|'", 'attribute'])) }} as observation_id,
    lead_id,
    contact_id,
    attribute,
    attribute_value,
    observed_at,
    known_on,
    source,
    source_record_id
from observations
