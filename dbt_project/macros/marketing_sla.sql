{#- marketing_sla_columns: the measure and ratio columns both marketing SLA marts publish, in order,
    from int_marketing_days_measured. -#}
{% macro marketing_sla_columns() %}
    sla_version,
    mql_target,
    lead_value_target,
    target_method,
    mqls_delivered,
    lead_value_delivered,
    business_days_in_month,
    business_days_elapsed,
    tier_a_mqls,
    mqls_accepted_within_window,
    mqls_rejected,
    top_rejection_reasons,
    mql_attainment,
    lead_value_attainment,
    pace_target_mqls,
    pace_attainment,
    projected_mqls,
    projected_attainment,
    tier_a_share,
    acceptance_rate
{% endmacro %}
