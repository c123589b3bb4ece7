select
    cast(sla_version as {{ dbt.type_string() }}) as sla_version,
    cast(effective_from as date) as effective_from,
    cast(effective_to as date) as effective_to,
    cast(routing_limit_business_minutes as integer) as routing_limit_business_minutes,
    cast(min_attempts as integer) as min_attempts,
    cast(attempt_window_business_days as integer) as attempt_window_business_days,
    cast(acceptance_window_days as integer) as acceptance_window_days,
    cast(default_timezone as {{ dbt.type_string() }}) as default_timezone,
    cast(default_country as {{ dbt.type_string() }}) as default_country,
    cast(default_work_start as time) as default_work_start,
    cast(default_work_end as time) as default_work_end,
    cast(recently_overdue_business_days as integer) as recently_overdue_business_days,
    cast(outcome_window_days as integer) as outcome_window_days,
    cast(untouched_after_business_days as integer) as untouched_after_business_days,
    cast(untouched_action as {{ dbt.type_string() }}) as untouched_action
from {{ source('agreement', 'sla_versions') }}
