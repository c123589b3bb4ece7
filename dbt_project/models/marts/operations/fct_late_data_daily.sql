{#- One row per source stream, event day and day the data became known, for the record versions
    that became known after the day they describe (late data): how many. An event day is the
    reporting-zone day of the version's time (its event time, or for a mutable record the time of
    the change); the known day is the day the source exported it. Late data is what restates past
    days of the daily facts; the first reports they change are in marts.as_reported_restatements. -#}

{%- set streams = [
    ('campaigns', 'stg_marketing__campaigns', 'updated_at'),
    ('form_submissions', 'stg_marketing__form_submissions', 'submitted_at'),
    ('email_events', 'stg_marketing__email_events', 'occurred_at'),
    ('users', 'stg_crm__users', 'updated_at'),
    ('companies', 'stg_crm__companies', 'updated_at'),
    ('contacts', 'stg_crm__contacts', 'updated_at'),
    ('lifecycle_changes', 'stg_crm__lifecycle_changes', 'changed_at'),
    ('owner_assignments', 'stg_crm__owner_assignments', 'assigned_at'),
    ('user_absences', 'stg_crm__user_absences', 'updated_at'),
    ('activities', 'stg_crm__activities', 'updated_at'),
    ('deals', 'stg_crm__deals', 'updated_at'),
] -%}

with versions as (

    {%- for stream, model, cursor in streams %}
    select '{{ stream }}' as stream, {{ reporting_date(cursor) }} as event_date, known_on
    from {{ ref(model) }}
    union all
    {%- endfor %}
    -- web sessions: read from their attributed table, which already carries their day
    select 'web_sessions' as stream, session_date as event_date, known_on
    from {{ ref('int_sessions_attributed') }}

)

select
    {{ dbt.hash(dbt.concat(['stream', "'|'", dbt.safe_cast('event_date', dbt.type_string()), "'|'", dbt.safe_cast('known_on', dbt.type_string())])) }}
        as late_data_id,
    stream,
    event_date,
    known_on,
    {{ dbt.datediff('event_date', 'known_on', 'day') }} as days_late,
    cast(count(*) as bigint) as versions
from versions
where known_on > event_date
group by stream, event_date, known_on
