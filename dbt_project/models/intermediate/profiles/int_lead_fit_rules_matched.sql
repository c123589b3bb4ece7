{{ config(materialized='view') }}

{#- The ICP rules matched at each change point of a lead's fit, on two profile timelines: `in_force`,
    the values in force at each instant with everything known by the build day
    (int_lead_profiles_historized), and `as_known`, the values a nightly run would have known at
    each instant (int_lead_profiles_as_known; scoring uses it, so that a past anchor sees no value
    that arrived later). A change point is when the lead becomes known, when a profile value
    changes and when a new ICP version takes effect (at the start of its effective_from day in the
    reporting zone: the version in force on a day judges that day). A rule matches when the value
    of its attribute in force at the change point equals one of the rule's values.

    One row per timeline, lead, change point and ICP attribute known then (with the rule it matched,
    if any); a change point with no ICP attribute known has one row with a null attribute. -#}

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

    select icp_version, rule_id, attribute, attribute_value, points, label
    from {{ ref('stg_agreement__icp_rules') }}

),

icp_attributes as (

    select distinct icp_version, attribute from rules

),

leads as (

    select lead_id, first_known_at from {{ ref('int_leads_attributed') }}

),

history as (

    select 'in_force' as profile_timeline, lead_id, attribute, attribute_value, valid_from, valid_to
    from {{ ref('int_lead_profiles_historized') }}
    union all
    select 'as_known' as profile_timeline, lead_id, attribute, attribute_value, valid_from, valid_to
    from {{ ref('int_lead_profiles_as_known') }}

),

timelines as (

    select 'in_force' as profile_timeline
    union all
    select 'as_known' as profile_timeline

),

change_points as (

    select timelines.profile_timeline, leads.lead_id, leads.first_known_at as changed_at
    from leads
    cross join timelines
    union
    select profile_timeline, lead_id, valid_from as changed_at from history
    union
    select timelines.profile_timeline, leads.lead_id, icp_versions.starts_at as changed_at
    from leads
    cross join icp_versions
    cross join timelines
    where icp_versions.starts_at > leads.first_known_at

),

points_in_force as (

    select
        change_points.profile_timeline,
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

-- the value of each of the version's ICP attributes in force at the change point
values_in_force as (

    select
        points_in_force.profile_timeline,
        points_in_force.lead_id,
        points_in_force.changed_at,
        history.attribute,
        history.attribute_value
    from points_in_force
    inner join history
        on points_in_force.profile_timeline = history.profile_timeline
        and points_in_force.lead_id = history.lead_id
        and history.valid_from <= points_in_force.changed_at
        and (history.valid_to is null or points_in_force.changed_at < history.valid_to)
    inner join icp_attributes
        on points_in_force.icp_version = icp_attributes.icp_version
        and history.attribute = icp_attributes.attribute

)

select
    points_in_force.profile_timeline,
    points_in_force.lead_id,
    points_in_force.changed_at,
    points_in_force.icp_version,
    points_in_force.tier_a_min_points,
    points_in_force.tier_b_min_points,
    values_in_force.attribute,
    values_in_force.attribute_value,
    rules.rule_id,
    rules.points,
    rules.label
from points_in_force
left join values_in_force
    on points_in_force.profile_timeline = values_in_force.profile_timeline
    and points_in_force.lead_id = values_in_force.lead_id
    and points_in_force.changed_at = values_in_force.changed_at
left join rules
    on points_in_force.icp_version = rules.icp_version
    and values_in_force.attribute = rules.attribute
    and values_in_force.attribute_value = rules.attribute_value
