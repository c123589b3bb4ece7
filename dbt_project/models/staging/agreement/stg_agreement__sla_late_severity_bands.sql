select
    cast(sla_version as {{ dbt.type_string() }}) as sla_version,
    cast(band as {{ dbt.type_string() }}) as band,
    cast(band_rank as integer) as band_rank,
    cast(up_to_business_minutes as integer) as up_to_business_minutes,
    cast(up_to_business_days as integer) as up_to_business_days
from {{ source('agreement', 'sla_late_severity_bands') }}
