-- Every rate of the ICP proposal is a share between 0 and 1 inside its 95% interval, proposed points
-- never make the best-fitting lead score above 100, and the next question's chances and the share of
-- MQLs missing an attribute are between 0 and 1. Returns the offending rows with the failed rule.

with proposal as (

    select icp_proposal_id as row_id, 'fct_icp_proposal' as model,
        case
            when not (win_rate between 0 and 1 and shrunk_win_rate between 0 and 1) then 'rate outside 0..1'
            when not (win_rate_lower_95 <= win_rate and win_rate <= win_rate_upper_95) then 'interval does not contain its rate'
            when wins > leads then 'more wins than leads'
        end as violation
    from {{ ref('fct_icp_proposal') }}

),

best_lead as (

    select 'best lead' as row_id, 'fct_icp_proposal' as model,
        case when sum(best_points) > 100 then 'the best-fitting lead scores above 100' end as violation
    from (select attribute, max(proposed_points) as best_points from {{ ref('fct_icp_proposal') }} group by attribute) as best

),

tiers as (

    select icp_proposal_tier_id as row_id, 'fct_icp_proposal_tiers' as model,
        case
            when leads > 0 and not (win_rate between 0 and 1) then 'rate outside 0..1'
            when leads > 0 and not (win_rate_lower_95 <= win_rate and win_rate <= win_rate_upper_95)
                then 'interval does not contain its rate'
            when not (share_of_leads between 0 and 1) then 'share outside 0..1'
        end as violation
    from {{ ref('fct_icp_proposal_tiers') }}

),

questions as (

    select lead_id as row_id, 'fct_lead_next_question' as model,
        case
            when not (tier_change_probability between 0 and 1) then 'tier change chance outside 0..1'
            when expected_points_gain < 0 then 'negative expected gain'
        end as violation
    from {{ ref('fct_lead_next_question') }}

),

missing as (

    select attribute as row_id, 'fct_mql_missing_attributes' as model,
        case
            when missing_share is not null and not (missing_share between 0 and 1) then 'share outside 0..1'
            when next_question_mqls > missing_mqls then 'asked of more MQLs than miss it'
        end as violation
    from {{ ref('fct_mql_missing_attributes') }}

)

select * from proposal where violation is not null
union all
select * from best_lead where violation is not null
union all
select * from tiers where violation is not null
union all
select * from questions where violation is not null
union all
select * from missing where violation is not null
