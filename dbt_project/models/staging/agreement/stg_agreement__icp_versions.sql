select
    cast(icp_version as {{ dbt.type_string() }}) as icp_version,
    cast(effective_from as date) as effective_from,
    cast(effective_to as date) as effective_to,
    cast(tier_a_min_points as integer) as tier_a_min_points,
    cast(tier_b_min_points as integer) as tier_b_min_points
from {{ source('agreement', 'icp_versions') }}
