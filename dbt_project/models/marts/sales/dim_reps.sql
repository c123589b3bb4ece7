{#- One row per CRM user (rep, account executive or marketer) as known now: name, team, zone,
    country and working hours of their latest version, their manager's name, whether they are active, and the period the
    CRM has known them (first version, and deactivation if any). Analysts join rep names and
    teams to the sales facts on owner_id. -#}

with versions as (

    select
        *,
        row_number() over (partition by owner_id order by valid_from desc, user_version_id desc) as recency
    from {{ ref('stg_crm__users') }}

),

spans as (

    select
        owner_id,
        min(valid_from) as first_version_at,
        max(case when not active then valid_from end) as last_deactivated_at
    from versions
    group by owner_id

)

select
    versions.owner_id,
    versions.name,
    versions.email,
    versions.team,
    versions.timezone,
    versions.country,
    versions.subdivision,
    versions.manager_id,
    managers.name as manager_name,
    versions.work_start,
    versions.work_end,
    versions.active as is_active,
    spans.first_version_at,
    case when not versions.active then spans.last_deactivated_at end as deactivated_at
from versions
inner join spans
    on versions.owner_id = spans.owner_id
left join versions as managers
    on versions.manager_id = managers.owner_id
    and managers.recency = 1
where versions.recency = 1
