select
    cast(sla_version as {{ dbt.type_string() }}) as sla_version,
    cast(priority as {{ dbt.type_string() }}) as priority,
    cast(business_minutes as integer) as business_minutes,
    cast(priority_rank as integer) as priority_rank
from {{ source('agreement', 'sla_response_targets') }}
