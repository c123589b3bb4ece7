select
    cast(country as {{ dbt.type_string() }}) as country,
    cast(subdivision as {{ dbt.type_string() }}) as subdivision,
    cast(holiday_date as date) as holiday_date,
    cast(holiday_name as {{ dbt.type_string() }}) as holiday_name
from {{ source('reference', 'public_holidays') }}
