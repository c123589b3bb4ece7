select
    cast(sla_version as {{ dbt.type_string() }}) as sla_version,
    cast(company_size_band as {{ dbt.type_string() }}) as company_size_band,
    cast(segment as {{ dbt.type_string() }}) as segment
from {{ source('agreement', 'segments') }}
