select
    cast(icp_version as {{ dbt.type_string() }}) as icp_version,
    cast(tier as {{ dbt.type_string() }}) as tier,
    cast(win_probability as decimal(9, 6)) as win_probability,
    cast(average_deal_size as decimal(18, 2)) as average_deal_size
from {{ source('agreement', 'icp_win_rates') }}
