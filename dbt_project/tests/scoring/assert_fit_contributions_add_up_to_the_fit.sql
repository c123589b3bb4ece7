{#- At every instant where the fit or one of its rules changes, the points of the rules in force in
    fct_lead_fit_contributions add up to fit_points of the dim_lead_fit_history interval in force,
    and that interval lists exactly those rules: scoring's reasons and its fit are the same fit.
    Returns the instants where they disagree. -#}

with instants as (

    select lead_id, valid_from as at_instant from {{ ref('dim_lead_fit_history') }}
    union
    select lead_id, valid_from as at_instant from {{ ref('fct_lead_fit_contributions') }}

),

fit as (

    select instants.lead_id, instants.at_instant, history.fit_points, history.matched_rule_ids
    from instants
    left join {{ ref('dim_lead_fit_history') }} as history
        on history.lead_id = instants.lead_id
        and history.valid_from <= instants.at_instant
        and (history.valid_to is null or instants.at_instant < history.valid_to)

),

rules as (

    select
        instants.lead_id,
        instants.at_instant,
        sum(contributions.points) as points,
        {{ dbt.listagg('contributions.rule_id', "','", 'order by contributions.rule_id') }} as rule_ids
    from instants
    inner join {{ ref('fct_lead_fit_contributions') }} as contributions
        on contributions.lead_id = instants.lead_id
        and contributions.valid_from <= instants.at_instant
        and (contributions.valid_to is null or instants.at_instant < contributions.valid_to)
    group by instants.lead_id, instants.at_instant

)

select fit.lead_id, fit.at_instant, fit.fit_points, rules.points, fit.matched_rule_ids, rules.rule_ids
from fit
left join rules
    on rules.lead_id = fit.lead_id and rules.at_instant = fit.at_instant
where coalesce(fit.fit_points, 0) <> coalesce(rules.points, 0)
    or coalesce(fit.matched_rule_ids, '') <> coalesce(rules.rule_ids, '')
