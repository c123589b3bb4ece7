{#- One row per lead and interval during which its fit did not change: the ICP version in force,
    the points of the rules its profile matched, fit score, tier and profile completeness. An
    interval starts when the lead becomes known, when a profile value changes, and when a new ICP
    version takes effect (at the start of its effective_from day in the reporting zone: the
    version in force on a day judges that day). -#}

with icp_versions as (

    select
        icp_version,
        tier_a_min_points,
        tier_b_min_points,
        {{ reporting_day_start_utc('effective_from') }} as starts_at,
        case when effective_to is not null then {{ reporting_day_start_utc('effective_to') }} end as ends_at
    from {{ ref('stg_agreement__icp_versions') }}

),

rules as (

    select icp_version, rule_id, attribute, attribute_value, points
    from {{ ref('stg_agreement__icp_rules') }}

),

icp_attributes as (

    select distinct icp_version, attribute from rules

),

icp_attribute_counts as (

    select icp_version, count(*) as attribute_count from icp_attributes group by icp_version

),

leads as (

    select lead_id, contact_id, first_known_at from {{ ref('int_leads_attributed') }}

),

history as (

    select lead_id, attribute, attribute_value, valid_from, valid_to
    from {{ ref('int_lead_profiles_historized') }}

),

change_points as (

    select lead_id, first_known_at as changed_at from leads
    union
    select lead_id, valid_from as changed_at from history
    union
    select leads.lead_id, icp_versions.starts_at as changed_at
    from leads
    cross join icp_versions
    where icp_versions.starts_at > leads.first_known_at

),

points_in_force as (

    select
        change_points.lead_id,
        change_points.changed_at,
        icp_versions.icp_version,
        icp_versions.tier_a_min_points,
        icp_versions.tier_b_min_points
    from change_points
    inner join icp_versions
        on icp_versions.starts_at <= change_points.changed_at
        and (icp_versions.ends_at is null or change_points.changed_at < icp_versions.ends_at)

),

values_in_force as (

    select
        points_in_force.lead_id,
        points_in_force.changed_at,
        points_in_force.icp_version,
        history.attribute,
        history.attribute_value
    from points_in_force
    inner join history
        on points_in_force.lead_id = history.lead_id
        and history.valid_from <= points_in_force.changed_at
        and (history.valid_to is null or points_in_force.changed_at < history.valid_to)

),

matched_rules as (

    select
        values_in_force.lead_id,
        values_in_force.changed_at,
        rules.rule_id,
        rules.points
    from values_in_force
    inner join rules
        on values_in_force.icp_version = rules.icp_version
        and values_in_force.attribute = rules.attribute
        and values_in_force.attribute_value = rules.attribute_value

),

rule_totals as (

    select
        lead_id,
        changed_at,
        cast(sum(points) as integer) as fit_points,
        {{ dbt.listagg('rule_id', "','", 'order by rule_id') }} as matched_rule_ids
    from matched_rules
    group by lead_id, changed_at

),

known_attributes as (

    select values_in_force.lead_id, values_in_force.changed_at, count(*) as known_attribute_count
    from values_in_force
    inner join icp_attributes
        on values_in_force.icp_version = icp_attributes.icp_version
        and values_in_force.attribute = icp_attributes.attribute
    group by values_in_force.lead_id, values_in_force.changed_at

),

scored as (

    select
        points_in_force.lead_id,
        points_in_force.changed_at,
        points_in_force.icp_version,
        coalesce(rule_totals.fit_points, 0) as fit_points,
        rule_totals.matched_rule_ids,
        {{ icp_tier('coalesce(rule_totals.fit_points, 0)', 'points_in_force.tier_a_min_points',
                    'points_in_force.tier_b_min_points') }} as icp_tier,
        cast(
            cast(coalesce(known_attributes.known_attribute_count, 0) as decimal(9, 4))
            / icp_attribute_counts.attribute_count
        as decimal(5, 4)) as profile_completeness
    from points_in_force
    inner join icp_attribute_counts
        on points_in_force.icp_version = icp_attribute_counts.icp_version
    left join rule_totals
        on points_in_force.lead_id = rule_totals.lead_id
        and points_in_force.changed_at = rule_totals.changed_at
    left join known_attributes
        on points_in_force.lead_id = known_attributes.lead_id
        and points_in_force.changed_at = known_attributes.changed_at

),

-- consecutive change points with the same fit collapse into one interval
state_changes as (

    select
        scored.*,
        case
            when lag(icp_version) over (partition by lead_id order by changed_at) = icp_version
                and lag(fit_points) over (partition by lead_id order by changed_at) = fit_points
                and lag(profile_completeness) over (partition by lead_id order by changed_at) = profile_completeness
                and coalesce(lag(matched_rule_ids) over (partition by lead_id order by changed_at), '')
                    = coalesce(matched_rule_ids, '')
                then 0
            else 1
        end as is_new_state
    from scored

),

numbered as (

    select
        state_changes.*,
        sum(is_new_state) over (
            partition by lead_id order by changed_at rows between unbounded preceding and current row
        ) as fit_interval_number
    from state_changes

),

intervals as (

    select *
    from numbered
    where is_new_state = 1

)

select
    {{ dbt.hash(dbt.concat(['intervals.lead_id', "'|'", dbt.safe_cast('intervals.changed_at', dbt.type_string())])) }}
        as fit_interval_id,
    intervals.lead_id,
    leads.contact_id,
    intervals.changed_at as valid_from,
    lead(intervals.changed_at) over (partition by intervals.lead_id order by intervals.changed_at) as valid_to,
    intervals.icp_version,
    intervals.fit_points,
    case when intervals.fit_points > 100 then 100 else intervals.fit_points end as fit_score,
    intervals.icp_tier,
    intervals.profile_completeness,
    intervals.matched_rule_ids
from intervals
inner join leads
    on intervals.lead_id = leads.lead_id
