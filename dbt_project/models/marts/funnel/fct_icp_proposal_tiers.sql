{#- How well the proposed ICP's tiers and the version in force's tiers predict wins on the same
    leads: one row per period (training, later), ICP (proposed, in_force) and tier, with leads,
    wins, win rate and its 95% Wilson interval, and lift over the period's overall win rate. The
    later period is the honest check: the proposal was not fitted on it. -#}

{%- set float = type_ratio() -%}

with leads as (

    select * from {{ ref('fct_icp_proposal_leads') }}

),

tiered as (

    select proposal_period, 'proposed' as icp, proposed_icp_tier as icp_tier,
        case when is_won then 1 else 0 end as is_won
    from leads
    union all
    select proposal_period, 'in_force' as icp, in_force_icp_tier as icp_tier,
        case when is_won then 1 else 0 end as is_won
    from leads

),

tiers as (

    select proposal_period, 'A' as icp_tier from leads
    union
    select proposal_period, 'B' as icp_tier from leads
    union
    select proposal_period, 'C' as icp_tier from leads

),

grid as (

    select tiers.proposal_period, icps.icp, tiers.icp_tier
    from tiers
    cross join (select 'proposed' as icp union all select 'in_force' as icp) as icps

),

counted as (

    select
        grid.proposal_period,
        grid.icp,
        grid.icp_tier,
        count(tiered.is_won) as leads,
        coalesce(sum(tiered.is_won), 0) as wins
    from grid
    left join tiered
        on grid.proposal_period = tiered.proposal_period
        and grid.icp = tiered.icp
        and grid.icp_tier = tiered.icp_tier
    group by grid.proposal_period, grid.icp, grid.icp_tier

),

overall as (

    select
        proposal_period,
        count(*) as period_leads,
        sum(case when is_won then 1 else 0 end) as period_wins
    from leads
    group by proposal_period

)

select
    {{ dbt.hash(dbt.concat(['counted.proposal_period', "'|'", 'counted.icp', "'|'", 'counted.icp_tier'])) }}
        as icp_proposal_tier_id,
    counted.proposal_period,
    counted.icp,
    counted.icp_tier,
    cast(counted.leads as integer) as leads,
    cast(counted.wins as integer) as wins,
    case when counted.leads > 0 then cast(counted.wins as {{ float }}) / counted.leads end as win_rate,
    {{ wilson_interval_bound('counted.wins', 'counted.leads', 'lower') }} as win_rate_lower_95,
    {{ wilson_interval_bound('counted.wins', 'counted.leads', 'upper') }} as win_rate_upper_95,
    cast(overall.period_wins as {{ float }}) / overall.period_leads as overall_win_rate,
    case
        when counted.leads > 0 and overall.period_wins > 0
            then cast(counted.wins as {{ float }}) * overall.period_leads
                / (cast(counted.leads as {{ float }}) * overall.period_wins)
    end as lift,
    cast(counted.leads as {{ float }}) / overall.period_leads as share_of_leads
from counted
inner join overall
    on counted.proposal_period = overall.proposal_period
