{#- The proposed ICP applied to the leads it was fitted on and to the later period: one row per
    first handoff of int_first_handoffs_windowed, with the fit and tier the version in force gave
    it at its handoff and the points and tier the proposal (fct_icp_proposal) gives the same
    profile.

    The proposal's tier cut-offs put as many training leads in tier A, and in A or B, as the
    version in force did (ties may put a few more in): the cut-off is the points of the last lead
    admitted when the training leads are ranked by proposed points. So the tiers keep sales'
    workload and only change who is in them. B is at least 5 points, A at least 5 above B and at
    most 100. -#}

with windowed as (

    select * from {{ ref('int_first_handoffs_windowed') }}

),

leads as (

    select distinct
        contact_id, handed_off_at, handoff_date, proposal_period, is_won,
        in_force_icp_version, in_force_icp_tier, in_force_fit_score
    from windowed

),

proposed_points as (

    select windowed.contact_id, sum(proposal.proposed_points) as proposed_points
    from windowed
    inner join {{ ref('fct_icp_proposal') }} as proposal
        on windowed.attribute = proposal.attribute
        and windowed.attribute_value = proposal.attribute_value
    group by windowed.contact_id

),

scored as (

    select
        leads.*,
        cast(coalesce(proposed_points.proposed_points, 0) as integer) as proposed_points
    from leads
    left join proposed_points
        on leads.contact_id = proposed_points.contact_id

),

training_ranked as (

    select
        proposed_points,
        row_number() over (order by proposed_points desc, contact_id) as points_rank
    from scored
    where proposal_period = 'training'

),

in_force_counts as (

    select
        sum(case when in_force_icp_tier = 'A' then 1 else 0 end) as tier_a_leads,
        sum(case when in_force_icp_tier in ('A', 'B') then 1 else 0 end) as tier_ab_leads
    from scored
    where proposal_period = 'training'

),

raw_cutoffs as (

    select
        coalesce(max(case when training_ranked.points_rank = in_force_counts.tier_a_leads
                          then training_ranked.proposed_points end), 100) as a_points,
        coalesce(max(case when training_ranked.points_rank = in_force_counts.tier_ab_leads
                          then training_ranked.proposed_points end), 100) as b_points
    from in_force_counts
    left join training_ranked
        on 1 = 1

),

b_cutoff as (

    select
        a_points,
        case when b_points < 5 then 5 when b_points > 95 then 95 else b_points end as tier_b_min_points
    from raw_cutoffs

),

cutoffs as (

    select
        case
            when a_points < tier_b_min_points + 5 then tier_b_min_points + 5
            when a_points > 100 then 100
            else a_points
        end as tier_a_min_points,
        tier_b_min_points
    from b_cutoff

)

select
    scored.contact_id,
    scored.handed_off_at,
    scored.handoff_date,
    scored.proposal_period,
    scored.is_won = 1 as is_won,
    scored.in_force_icp_version,
    scored.in_force_fit_score,
    scored.in_force_icp_tier,
    scored.proposed_points,
    {{ icp_tier('scored.proposed_points', 'cutoffs.tier_a_min_points', 'cutoffs.tier_b_min_points') }}
        as proposed_icp_tier,
    cast(cutoffs.tier_a_min_points as integer) as proposed_tier_a_min_points,
    cast(cutoffs.tier_b_min_points as integer) as proposed_tier_b_min_points
from scored
cross join cutoffs
