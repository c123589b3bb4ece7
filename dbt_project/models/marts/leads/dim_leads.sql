{#- One row per lead (a person): stitched identity, first touch, current owner and stage, and
    when the lead first became lead, mql, sql, opportunity and customer. -#}

with leads as (

    select * from {{ ref('int_leads_attributed') }}

),

current_contacts as (

    select * from {{ ref('stg_crm__contacts') }} where is_latest

),

companies as (

    select company_id, name from {{ ref('stg_crm__companies') }} where is_latest

),

lead_emails as (

    select lead_id, min(identifier) as email
    from {{ ref('int_identities_stitched') }}
    where identifier_type = 'email' and lead_id is not null and contact_id is null
    group by lead_id

),

-- names and company a form-only lead gave on its latest form that carried them
form_names as (

    select lead_id, first_name, last_name, company_name
    from (
        select
            identities.lead_id,
            forms.first_name,
            forms.last_name,
            forms.company_name,
            row_number() over (
                partition by identities.lead_id order by forms.submitted_at desc, forms.submission_id desc
            ) as recency_rank
        from {{ ref('stg_marketing__form_submissions') }} as forms
        inner join {{ ref('int_identities_stitched') }} as identities
            on identities.identifier_type = 'email'
            and forms.email = identities.identifier
        where identities.lead_id is not null
            and (forms.first_name is not null or forms.last_name is not null)
    ) as ranked
    where recency_rank = 1

),

milestones as (

    select
        contact_id,
        {%- for stage in ['lead', 'mql', 'sql', 'opportunity', 'customer'] %}
        max(case when stage = '{{ stage }}' then reached_at end) as became_{{ stage }}_at{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_lead_stages_reached') }}
    group by contact_id

),

handoffs as (

    select contact_id, count(*) as handoff_count
    from {{ ref('int_handoffs_sequenced') }}
    group by contact_id

),

current_fit as (

    select lead_id, icp_version, fit_score, icp_tier, profile_completeness
    from {{ ref('int_lead_fit_scored') }}
    where valid_to is null

)

select
    leads.lead_id,
    leads.contact_id,
    leads.contact_id is not null as has_crm_contact,
    coalesce(current_contacts.email, lead_emails.email) as email,
    coalesce(current_contacts.first_name, form_names.first_name) as first_name,
    coalesce(current_contacts.last_name, form_names.last_name) as last_name,
    current_contacts.company_id,
    coalesce(companies.name, form_names.company_name) as company_name,
    current_contacts.owner_id,
    current_contacts.lifecycle_stage,
    current_contacts.lead_status,
    current_contacts.source as crm_source,
    coalesce(current_contacts.is_deleted, false) as is_deleted,
    leads.first_known_at,
    leads.first_known_date,
    leads.first_touch_at,
    leads.first_touch_type,
    leads.first_touch_channel,
    leads.first_touch_campaign_id,
    leads.acquisition_channel,
    leads.acquisition_campaign_id,
    milestones.became_lead_at,
    milestones.became_mql_at,
    milestones.became_sql_at,
    milestones.became_opportunity_at,
    milestones.became_customer_at,
    coalesce(handoffs.handoff_count, 0) as handoff_count,
    current_fit.icp_version,
    current_fit.fit_score,
    current_fit.icp_tier,
    coalesce(current_fit.profile_completeness, 0) as profile_completeness,
    -- open: still to be worked, the leads the morning lists rank
    (
        not coalesce(current_contacts.is_deleted, false)
        and milestones.became_customer_at is null
        and coalesce(current_contacts.lifecycle_stage, '') not in ('customer', 'disqualified')
    ) as is_open
from leads
left join current_contacts
    on leads.contact_id = current_contacts.contact_id
left join companies
    on current_contacts.company_id = companies.company_id
left join lead_emails
    on leads.lead_id = lead_emails.lead_id
left join form_names
    on leads.lead_id = form_names.lead_id
left join milestones
    on leads.contact_id = milestones.contact_id
left join handoffs
    on leads.contact_id = handoffs.contact_id
left join current_fit
    on leads.lead_id = current_fit.lead_id
