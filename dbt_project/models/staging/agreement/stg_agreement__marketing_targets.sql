select
    cast(sla_version as {{ dbt.type_string() }}) as sla_version,
    cast(target_month as date) as target_month,
    cast(segment as {{ dbt.type_string() }}) as segment,
    cast(mql_target as integer) as mql_target,
    cast(lead_value_target as decimal(18, 2)) as lead_value_target,
    cast(target_method as {{ dbt.type_string() }}) as target_method,
    cast(revenue_goal as decimal(18, 2)) as revenue_goal,
    cast(marketing_share as decimal(9, 6)) as marketing_share,
    cast(average_deal_size as decimal(18, 2)) as average_deal_size,
    cast(lead_to_customer_rate as decimal(9, 6)) as lead_to_customer_rate,
    cast(revenue_math_basis as {{ dbt.type_string() }}) as revenue_math_basis
from {{ source('agreement', 'marketing_targets') }}
