{#- One row per lead, ICP rule and interval during which the rule matched the lead's profile, as a
    nightly run would have known it, with the same value, version and points: what each rule
    contributed to dim_lead_fit_history's fit, over time. A run starts where the rule starts to
    match, where the matching value changes (51-200 becoming 201-1000 under the same size rule
    leaves the fit as it is, not the reason) and where a new ICP version takes effect; it ends at
    the lead's next change point where any of these changes. -#}

with matched as (

    select lead_id, changed_at, icp_version, rule_id, attribute, attribute_value, points, label
    from {{ ref('int_lead_fit_rules_matched') }}
    where profile_timeline = 'as_known'

),

change_points as (

    select distinct lead_id, changed_at from matched

),

lead_rules as (

    select distinct lead_id, rule_id from matched where rule_id is not null

),

-- every rule a lead ever matched, at each of its change points: matched (with its value) or not
rule_states as (

    select
        lead_rules.lead_id,
        lead_rules.rule_id,
        change_points.changed_at,
        matched.icp_version,
        matched.attribute,
        matched.attribute_value,
        matched.points,
        matched.label
    from lead_rules
    inner join change_points
        on lead_rules.lead_id = change_points.lead_id
    left join matched
        on lead_rules.lead_id = matched.lead_id
        and lead_rules.rule_id = matched.rule_id
        and change_points.changed_at = matched.changed_at

),

state_changes as (

    select
        rule_states.*,
        case
            when lag(changed_at) over (partition by lead_id, rule_id order by changed_at) is not null
                and coalesce(lag(icp_version) over (partition by lead_id, rule_id order by changed_at), '')
                    = coalesce(icp_version, '')
                and coalesce(lag(attribute_value) over (partition by lead_id, rule_id order by changed_at), '')
                    = coalesce(attribute_value, '')
                and coalesce(lag(points) over (partition by lead_id, rule_id order by changed_at), -1)
                    = coalesce(points, -1)
                then 0
            else 1
        end as is_new_state
    from rule_states

),

runs as (

    select
        state_changes.*,
        lead(changed_at) over (partition by lead_id, rule_id order by changed_at) as next_state_at
    from state_changes
    where is_new_state = 1

)

select
    {{ dbt.hash(dbt.concat(['lead_id', "'|'", 'rule_id', "'|'", dbt.safe_cast('changed_at', dbt.type_string())])) }}
        as fit_contribution_id,
    lead_id,
    rule_id,
    changed_at as valid_from,
    next_state_at as valid_to,
    icp_version,
    attribute,
    attribute_value,
    points,
    label
from runs
where icp_version is not null
