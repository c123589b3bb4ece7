select
    cast(icp_version as {{ dbt.type_string() }}) as icp_version,
    cast(rule_id as {{ dbt.type_string() }}) as rule_id,
    cast(attribute as {{ dbt.type_string() }}) as attribute,
    cast(attribute_value as {{ dbt.type_string() }}) as attribute_value,
    cast(points as integer) as points,
    cast(label as {{ dbt.type_string() }}) as label
from {{ source('agreement', 'icp_rules') }}
