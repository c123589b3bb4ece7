{#- The rules of the ICP version in force on the build day: what the ICP proposal is fitted against
    and which attributes the next question and the missing-attribute summary look at. -#}

select
    rules.icp_version,
    rules.rule_id,
    rules.attribute,
    rules.attribute_value,
    rules.points
from {{ ref('stg_agreement__icp_rules') }} as rules
inner join {{ ref('stg_agreement__icp_versions') }} as versions
    on rules.icp_version = versions.icp_version
where versions.effective_from <= {{ run_date() }}
    and (versions.effective_to is null or {{ run_date() }} < versions.effective_to)
