{#- One row per identifier (a normalized e-mail or a cookie visitor_id) with the lead it belongs to.
    E-mails match CRM contacts; a visitor belongs to the lead of the first form it submitted with an
    e-mail, so its earlier anonymous sessions belong to that lead too. -#}

with contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

forms as (

    select * from {{ ref('stg_marketing__form_submissions') }}

),

current_contacts as (

    select contact_id, is_deleted, created_at, valid_from
    from contacts
    where is_latest

),

-- every e-mail a contact has carried, in any version
contact_emails as (

    select
        email,
        contact_id,
        min(valid_from) as first_carried_at,
        min(known_on) as first_carried_on,
        max(case when is_latest then 1 else 0 end) as is_current_email
    from contacts
    where email is not null
    group by email, contact_id

),

-- one contact per e-mail: the contact carrying it now, then a live one, then the oldest
email_contact_candidates as (

    select
        contact_emails.email,
        contact_emails.contact_id,
        contact_emails.first_carried_at,
        contact_emails.first_carried_on,
        row_number() over (
            partition by contact_emails.email
            order by
                contact_emails.is_current_email desc,
                case when current_contacts.is_deleted then 1 else 0 end,
                coalesce(current_contacts.created_at, current_contacts.valid_from),
                contact_emails.contact_id
        ) as candidate_rank
    from contact_emails
    inner join current_contacts
        on contact_emails.contact_id = current_contacts.contact_id

),

email_contacts as (

    select email, contact_id, first_carried_at, first_carried_on
    from email_contact_candidates
    where candidate_rank = 1

),

form_emails as (

    select email, submitted_at as first_form_at, known_on as first_form_on
    from (
        select
            email,
            submitted_at,
            known_on,
            row_number() over (partition by email order by submitted_at, submission_id) as form_rank
        from forms
        where email is not null
    ) as ranked
    where form_rank = 1

),

event_emails as (

    select email, min(occurred_at) as first_event_at
    from {{ ref('stg_marketing__email_events') }}
    where email is not null
    group by email

),

all_emails as (

    select email from form_emails
    union
    select email from contact_emails
    union
    select email from event_emails

),

email_identities as (

    select
        'email' as identifier_type,
        all_emails.email as identifier,
        email_contacts.contact_id,
        case
            when email_contacts.contact_id is not null then email_contacts.contact_id
            when form_emails.email is not null
                then {{ dbt.concat(["'email:'", dbt.hash('all_emails.email')]) }}
        end as lead_id,
        case
            when email_contacts.contact_id is not null and form_emails.first_form_at is not null
                then least(email_contacts.first_carried_at, form_emails.first_form_at)
            else coalesce(email_contacts.first_carried_at, form_emails.first_form_at)
        end as identified_at,
        case
            when form_emails.first_form_at is not null
                and (email_contacts.first_carried_at is null
                     or form_emails.first_form_at <= email_contacts.first_carried_at)
                then form_emails.first_form_on
            else email_contacts.first_carried_on
        end as identified_on,
        case
            when form_emails.first_form_at is not null
                and (email_contacts.first_carried_at is null
                     or form_emails.first_form_at <= email_contacts.first_carried_at)
                then 'form'
            when email_contacts.contact_id is not null then 'crm'
        end as identified_by,
        {{ dbt.concat(["'email:'", dbt.hash('all_emails.email')]) }} as identity_key
    from all_emails
    left join email_contacts
        on all_emails.email = email_contacts.email
    left join form_emails
        on all_emails.email = form_emails.email

),

identifying_forms as (

    select
        visitor_id,
        email,
        submitted_at,
        known_on,
        row_number() over (partition by visitor_id order by submitted_at, submission_id) as form_rank
    from forms
    where visitor_id is not null and email is not null

),

all_visitors as (

    select visitor_id from {{ ref('stg_marketing__web_sessions') }}
    union
    select visitor_id from forms where visitor_id is not null

),

visitor_identities as (

    select
        'visitor' as identifier_type,
        all_visitors.visitor_id as identifier,
        email_identities.contact_id,
        email_identities.lead_id,
        identifying_forms.submitted_at as identified_at,
        identifying_forms.known_on as identified_on,
        case when identifying_forms.visitor_id is not null then 'form' end as identified_by,
        {{ dbt.concat(["'visitor:'", 'all_visitors.visitor_id']) }} as identity_key
    from all_visitors
    left join identifying_forms
        on all_visitors.visitor_id = identifying_forms.visitor_id
        and identifying_forms.form_rank = 1
    left join email_identities
        on identifying_forms.email = email_identities.identifier

)

select identity_key, identifier_type, identifier, lead_id, contact_id, identified_at, identified_on, identified_by
from email_identities
union all
select identity_key, identifier_type, identifier, lead_id, contact_id, identified_at, identified_on, identified_by
from visitor_identities
