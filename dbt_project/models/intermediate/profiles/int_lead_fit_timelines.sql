{#- The fit rule, in one place. One row per profile timeline (in_force, as_known; see
    int_lead_fit_rules_matched), lead and interval during which its fit did not change: the ICP
    version in force, the points of the rules its profile matched (fit_points), fit_score (the
    points capped at 100), the tier from the version's cut-offs and profile completeness (the share
    of the version's attributes that are known). -#}

with matched as (

    select * from {{ ref('int_lead_fit_rules_matched') }}

),

icp_attribute_counts as (

    select icp_version, count(distinct attribute) as attribute_count
    from {{ ref('stg_agreement__icp_rules') }}
    group by icp_version

),

leads as (

    select lead_id, contact_id from {{ ref('int_leads_attributed') }}

),

change_points as (

    select
        profile_timeline,
        lead_id,
        changed_at,
        icp_version,
        tier_a_min_points,
        tier_b_min_points,
        cast(coalesce(sum(points), 0) as integer) as fit_points,
        {{ dbt.listagg('rule_id', "','", 'order by rule_id') }} as matched_rule_ids,
        count(attribute) as known_attribute_count
    from matched
    group by profile_timeline, lead_id, changed_at, icp_version, tier_a_min_points, tier_b_min_points

),

scored as (

    select
        change_points.profile_timeline,
        change_points.lead_id,
        change_points.changed_at,
        change_points.icp_version,
        change_points.fit_points,
        change_points.matched_rule_ids,
        {{ icp_tier('change_points.fit_points', 'change_points.tier_a_min_points', 'change_points.tier_b_min_points') }} as icp_tier,
        cast(
            cast(change_points.known_attribute_count as decimal(9, 4))
            / icp_attribute_counts.attribute_count
        as decimal(5, 4)) as profile_completeness
    from change_points
    inner join icp_attribute_counts
        on change_points.icp_version = icp_attribute_counts.icp_version

),

-- consecutive change points with the same fit collapse into one interval
state_changes as (

    select
        scored.*,
        case
            when lag(icp_version) over (partition by profile_timeline, lead_id order by changed_at) = icp_version
                and lag(fit_points) over (partition by profile_timeline, lead_id order by changed_at) = fit_points
                and lag(profile_completeness) over (partition by profile_timeline, lead_id order by changed_at)
                    = profile_completeness
                and coalesce(lag(matched_rule_ids) over (partition by profile_timeline, lead_id order by changed_at), '')
                    = coalesce(matched_rule_ids, '')
                then 0
            else 1
        end as is_new_state
    from scored

),

intervals as (

    select *
    from state_changes
    where is_new_state = 1

)

select
    -- the in-force intervals keep the ids they had before the as-known timeline was added
    case
        when intervals.profile_timeline = 'in_force'
            then {{ dbt.hash(dbt.concat(['intervals.lead_id', "'|'", dbt.safe_cast('intervals.changed_at', dbt.type_string())])) }}
        else {{ dbt.hash(dbt.concat(['intervals.profile_timeline', "'|'", 'intervals.lead_id', "'|'", dbt.safe_cast('intervals.changed_at', dbt.type_string())])) }}
    end as fit_interval_id,
    intervals.profile_timeline,
    intervals.lead_id,
    leads.contact_id,
    intervals.changed_at as valid_from,
    lead(intervals.changed_at) over (
        partition by intervals.profile_timeline, intervals.lead_id order by intervals.changed_at
    ) as valid_to,
    intervals.icp_version,
    intervals.fit_points,
    case when intervals.fit_points > 100 then 100 else intervals.fit_points end as fit_score,
    intervals.icp_tier,
    intervals.profile_completeness,
    intervals.matched_rule_ids
from intervals
inner join leads
    on intervals.lead_id = leads.lead_id
