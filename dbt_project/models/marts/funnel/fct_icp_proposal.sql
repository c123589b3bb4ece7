{#- The ICP the evidence proposes: one row per attribute of the ICP version in force on the build
    day and value seen at the first handoffs of the training window (int_first_handoffs_windowed),
    with its win rate, the rate shrunk toward the overall rate, and the points it would carry.

    Shrinkage: shrunk = (wins + m * overall) / (leads + m), m = var icp_proposal_prior_leads, as if
    m more leads with the overall rate had been seen with the value; a value seen on few leads
    stays near the overall rate, one seen on many keeps its own.
    Points: only values that win above the overall rate earn points, in proportion to their
    excess (shrunk - overall). An attribute weighs as much as its best value's excess; the
    weights are scaled so the best-fitting lead would score 100, and each value's points are
    rounded down to a multiple of 5 (so the best lead scores 100 at most). -#}

{%- set float = type_ratio() -%}
{%- set prior = var('icp_proposal_prior_leads') | float -%}

with training as (

    select * from {{ ref('int_first_handoffs_windowed') }}
    where proposal_period = 'training'

),

overall as (

    select
        count(distinct contact_id) as overall_leads,
        count(distinct case when is_won = 1 then contact_id end) as overall_wins,
        min(handoff_date) as first_handoff_date,
        max(handoff_date) as last_handoff_date
    from training

),

values_seen as (

    select
        attribute,
        attribute_value,
        count(*) as leads,
        sum(is_won) as wins
    from training
    where attribute_value != 'unknown'
    group by attribute, attribute_value

),

shrunk as (

    select
        values_seen.*,
        cast(overall.overall_wins as {{ float }}) / overall.overall_leads as overall_win_rate,
        (values_seen.wins + {{ prior }} * overall.overall_wins / overall.overall_leads)
            / (values_seen.leads + {{ prior }}) as shrunk_win_rate,
        overall.first_handoff_date,
        overall.last_handoff_date
    from values_seen
    cross join overall

),

excess as (

    select
        shrunk.*,
        case
            when shrunk_win_rate > overall_win_rate then shrunk_win_rate - overall_win_rate
            else cast(0 as {{ float }})
        end as excess_win_rate
    from shrunk

),

attribute_weights as (

    select attribute, max(excess_win_rate) as attribute_weight
    from excess
    group by attribute

),

total_weight as (

    select sum(attribute_weight) as total_weight from attribute_weights

),

rules_in_force as (

    select attribute, attribute_value, points
    from {{ ref('int_icp_rules_in_force') }}

)

select
    {{ dbt.hash(dbt.concat(['excess.attribute', "'|'", 'excess.attribute_value'])) }} as icp_proposal_id,
    excess.attribute,
    excess.attribute_value,
    excess.first_handoff_date,
    excess.last_handoff_date,
    cast(excess.leads as integer) as leads,
    cast(excess.wins as integer) as wins,
    cast(excess.wins as {{ float }}) / excess.leads as win_rate,
    {{ wilson_interval_bound('excess.wins', 'excess.leads', 'lower') }} as win_rate_lower_95,
    {{ wilson_interval_bound('excess.wins', 'excess.leads', 'upper') }} as win_rate_upper_95,
    excess.overall_win_rate,
    round(excess.shrunk_win_rate, 6) as shrunk_win_rate,
    case when excess.overall_win_rate > 0 then round(excess.shrunk_win_rate / excess.overall_win_rate, 6) end
        as shrunk_lift,
    cast(
        case
            when total_weight.total_weight > 0
                then floor(round(100 * excess.excess_win_rate / total_weight.total_weight, 6) / 5) * 5
            else 0
        end
    as integer) as proposed_points,
    rules_in_force.points as in_force_points
from excess
cross join total_weight
left join rules_in_force
    on excess.attribute = rules_in_force.attribute
    and excess.attribute_value = rules_in_force.attribute_value
