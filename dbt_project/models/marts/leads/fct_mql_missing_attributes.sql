{#- Which profile attributes are most often missing among MQLs: one row per attribute of the ICP
    version in force on the build day. The MQLs are the open leads whose lifecycle stage is mql
    now; an attribute is missing when no value of it is known. next_question_mqls counts the MQLs
    for which it is the next question to ask (fct_lead_next_question). -#}

{%- set float = type_ratio() -%}

with icp_attributes as (

    select distinct attribute
    from {{ ref('int_icp_rules_in_force') }}

),

mqls as (

    select lead_id
    from {{ ref('dim_leads') }}
    where is_open and lifecycle_stage = 'mql'

),

known as (

    select history.attribute, count(distinct history.lead_id) as known_mqls
    from {{ ref('int_lead_profiles_historized') }} as history
    inner join mqls
        on history.lead_id = mqls.lead_id
    where history.valid_to is null
    group by history.attribute

),

asked as (

    select next_attribute as attribute, count(*) as next_question_mqls
    from {{ ref('fct_lead_next_question') }}
    where lifecycle_stage = 'mql'
    group by next_attribute

),

counted as (

    select
        icp_attributes.attribute,
        (select count(*) from mqls) as mqls,
        coalesce(known.known_mqls, 0) as known_mqls,
        coalesce(asked.next_question_mqls, 0) as next_question_mqls
    from icp_attributes
    left join known
        on icp_attributes.attribute = known.attribute
    left join asked
        on icp_attributes.attribute = asked.attribute

)

select
    attribute,
    case when attribute = 'seniority' then 'job_title' else attribute end as form_field,
    cast(mqls as integer) as mqls,
    cast(mqls - known_mqls as integer) as missing_mqls,
    case when mqls > 0 then cast(mqls - known_mqls as {{ float }}) / mqls end as missing_share,
    cast(next_question_mqls as integer) as next_question_mqls,
    cast(row_number() over (order by mqls - known_mqls desc, attribute) as integer) as missing_rank
from counted
