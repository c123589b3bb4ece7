{#- One row per lead with when it became known and its first touch. The lead key is the CRM
    contact_id where a contact exists; a form e-mail without a contact yet is a lead keyed
    'email:' || hash(e-mail) until the CRM creates the contact (see the lead_id doc). A contact
    cited by CRM events (stage changes, assignments, activities, deals) is a lead even before its
    own record arrives. -#}

with identities as (

    select * from {{ ref('int_identities_stitched') }}
    where lead_id is not null

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

contact_first_versions as (

    select contact_id, min(valid_from) as first_version_at, min(known_on) as first_known_on
    from contacts
    group by contact_id

),

current_contacts as (

    select
        contacts.contact_id,
        coalesce(contacts.created_at, contact_first_versions.first_version_at) as created_at,
        contact_first_versions.first_known_on as created_on,
        {{ vocabulary_value('contacts.source') }} as source_channel
    from contacts
    inner join contact_first_versions
        on contacts.contact_id = contact_first_versions.contact_id
    where contacts.is_latest

),

-- CRM events can cite a contact before the contact's own record is exported (a late-arriving
-- record): the contact is a lead from its first cited event, so its handoffs always join
referenced_contacts as (

    select contact_id, changed_at as referenced_at, known_on from {{ ref('stg_crm__lifecycle_changes') }}
    union all
    select contact_id, assigned_at as referenced_at, known_on from {{ ref('stg_crm__owner_assignments') }}
    union all
    select contact_id, occurred_at as referenced_at, known_on from {{ ref('stg_crm__activities') }}
    union all
    select contact_id, coalesce(created_at, valid_from) as referenced_at, known_on
    from {{ ref('stg_crm__deals') }}
    where contact_id is not null

),

-- is_identity: a record that identifies the person (a form e-mail, the contact record), as
-- opposed to a mere citation of the contact id by a CRM event
lead_keys as (

    select lead_id, contact_id, identified_at, identified_on, 1 as is_identity
    from identities
    where identifier_type = 'email'
    union all
    select contact_id as lead_id, contact_id, created_at as identified_at, created_on as identified_on, 1 as is_identity
    from current_contacts
    union all
    select contact_id as lead_id, contact_id, referenced_at as identified_at, known_on as identified_on, 0 as is_identity
    from referenced_contacts

),

ranked_keys as (

    select
        lead_keys.*,
        max(contact_id) over (partition by lead_id) as lead_contact_id,
        row_number() over (partition by lead_id order by identified_at, identified_on) as key_rank,
        row_number() over (
            partition by lead_id order by is_identity desc, identified_at, identified_on
        ) as identity_rank
    from lead_keys

),

-- the lead became known with its earliest key, and identified with its earliest identity record
leads as (

    select
        first_keys.lead_id,
        first_keys.lead_contact_id as contact_id,
        first_keys.identified_at as first_known_at,
        first_keys.identified_on as first_known_on,
        first_identities.identified_at as first_identified_at,
        first_identities.identified_on as first_identified_on
    from ranked_keys as first_keys
    left join ranked_keys as first_identities
        on first_keys.lead_id = first_identities.lead_id
        and first_identities.identity_rank = 1
        and first_identities.is_identity = 1
    where first_keys.key_rank = 1

),

campaigns as (

    select campaign_id, channel
    from {{ ref('stg_marketing__campaigns') }}
    where is_latest

),

session_touches as (

    select
        sessions.lead_id,
        sessions.started_at as touch_at,
        case
            when sessions.started_at > visitors.identified_at then sessions.started_at
            else visitors.identified_at
        end as attributable_at,
        'web_session' as touch_type,
        1 as touch_type_order,
        sessions.session_id as touch_record_id,
        sessions.channel,
        sessions.campaign_id
    from {{ ref('int_sessions_attributed') }} as sessions
    inner join identities as visitors
        on visitors.identifier_type = 'visitor'
        and sessions.visitor_id = visitors.identifier
    where sessions.lead_id is not null

),

form_touches as (

    select
        identities.lead_id,
        forms.submitted_at as touch_at,
        forms.submitted_at as attributable_at,
        'form' as touch_type,
        2 as touch_type_order,
        forms.submission_id as touch_record_id,
        campaigns.channel,
        forms.campaign_id
    from {{ ref('stg_marketing__form_submissions') }} as forms
    inner join identities
        on identities.identifier_type = 'email'
        and forms.email = identities.identifier
    left join campaigns
        on forms.campaign_id = campaigns.campaign_id

),

crm_touches as (

    select
        contact_id as lead_id,
        created_at as touch_at,
        created_at as attributable_at,
        'crm' as touch_type,
        3 as touch_type_order,
        contact_id as touch_record_id,
        source_channel as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id
    from current_contacts

),

touches as (

    select * from session_touches
    union all
    select * from form_touches
    union all
    select * from crm_touches

),

ranked_touches as (

    select
        touches.*,
        leads.first_known_at,
        row_number() over (
            partition by touches.lead_id
            order by touches.touch_at, touches.touch_type_order, touches.touch_record_id
        ) as touch_rank,
        coalesce(leads.first_identified_at, leads.first_known_at) as acquired_at,
        row_number() over (
            partition by touches.lead_id
            order by
                case when touches.attributable_at <= coalesce(leads.first_identified_at, leads.first_known_at)
                    then 0 else 1 end,
                touches.touch_at, touches.touch_type_order, touches.touch_record_id
        ) as acquisition_rank
    from touches
    inner join leads
        on touches.lead_id = leads.lead_id

),

first_touches as (

    select * from ranked_touches where touch_rank = 1

),

acquisition_touches as (

    select * from ranked_touches
    where acquisition_rank = 1 and attributable_at <= acquired_at

)

select
    leads.lead_id,
    leads.contact_id,
    leads.first_known_at,
    {{ reporting_date('leads.first_known_at') }} as first_known_date,
    leads.first_known_on,
    leads.first_identified_at,
    {{ reporting_date('leads.first_identified_at') }} as first_identified_date,
    leads.first_identified_on,
    first_touches.touch_at as first_touch_at,
    first_touches.touch_type as first_touch_type,
    coalesce(first_touches.channel, current_contacts.source_channel, 'unknown') as first_touch_channel,
    first_touches.campaign_id as first_touch_campaign_id,
    coalesce(acquisition_touches.channel, current_contacts.source_channel, 'unknown') as acquisition_channel,
    acquisition_touches.campaign_id as acquisition_campaign_id
from leads
left join first_touches
    on leads.lead_id = first_touches.lead_id
left join acquisition_touches
    on leads.lead_id = acquisition_touches.lead_id
left join current_contacts
    on leads.contact_id = current_contacts.contact_id
