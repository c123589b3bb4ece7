{#- One row per contact and funnel stage (lead, mql, sql, opportunity, customer) it has reached:
    when it first reached that stage or a later one (reaching mql implies being a lead), and the
    day that became known. The stage a contact was created in counts as reached at its creation. -#}

{%- set stages = ['lead', 'mql', 'sql', 'opportunity', 'customer'] -%}

with contact_versions as (

    select * from {{ ref('stg_crm__contacts') }}

),

stage_events as (

    select contact_id, to_stage as stage, changed_at as reached_at, known_on, change_id as record_id
    from {{ ref('stg_crm__lifecycle_changes') }}
    union all
    select contact_id, lifecycle_stage as stage, coalesce(created_at, valid_from) as reached_at, known_on,
        contact_version_id as record_id
    from (
        select
            contact_versions.*,
            row_number() over (partition by contact_id order by valid_from) as version_number
        from contact_versions
    ) as first_versions
    where version_number = 1 and lifecycle_stage is not null

),

milestones as (

    {%- for stage in stages %}
    select
        contact_id,
        '{{ stage }}' as stage,
        {{ loop.index + 1 }} as stage_order,
        reached_at,
        known_on,
        row_number() over (partition by contact_id order by reached_at, record_id) as reach_rank
    from stage_events
    where {{ lifecycle_stage_order('stage') }} >= {{ loop.index + 1 }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select
    {{ dbt.hash(dbt.concat(['contact_id', "'|'", 'stage'])) }} as stage_reached_id,
    contact_id,
    stage,
    stage_order,
    reached_at,
    {{ reporting_date('reached_at') }} as reached_date,
    known_on
from milestones
where reach_rank = 1
