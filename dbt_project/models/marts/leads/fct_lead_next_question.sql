{#- The next question to ask each open lead: one row per open lead with at least one attribute of
    its ICP version still unknown, naming the unknown attribute whose answer would most change its
    fit tier, and then its fit score.

    For each unknown attribute, the answers are expected as they are distributed among similar
    leads: the leads of the same acquisition channel that know it (their latest value), when at
    least var next_question_min_similar_leads of them do; otherwise among all leads that know it.
    Each possible answer adds its rule's points (none when the version rewards no such value);
    tier_change_probability is the chance, over those answers, that the lead's tier changes (an
    answer only adds points, so a change is always a step up), and
    expected_points_gain the points it would gain on average. The attribute with the highest
    tier_change_probability is asked first, ties broken by expected_points_gain, then by name. -#}

{%- set float = type_ratio() -%}
{%- set min_similar = var('next_question_min_similar_leads') | int -%}

with leads as (

    select lead_id, contact_id, acquisition_channel, lifecycle_stage, icp_version, fit_score, icp_tier, is_open
    from {{ ref('dim_leads') }}
    where not is_deleted and icp_version is not null

),

versions as (

    select icp_version, tier_a_min_points, tier_b_min_points from {{ ref('stg_agreement__icp_versions') }}

),

rules as (

    select icp_version, attribute, attribute_value, points from {{ ref('stg_agreement__icp_rules') }}

),

icp_attributes as (

    select distinct icp_version, attribute from rules

),

current_values as (

    select lead_id, attribute, attribute_value
    from {{ ref('int_lead_profiles_historized') }}
    where valid_to is null

),

unknown_attributes as (

    select leads.*, icp_attributes.attribute
    from leads
    inner join icp_attributes
        on leads.icp_version = icp_attributes.icp_version
    left join current_values
        on leads.lead_id = current_values.lead_id
        and icp_attributes.attribute = current_values.attribute
    where leads.is_open and current_values.lead_id is null

),

known_answers as (

    select leads.acquisition_channel, current_values.attribute, current_values.attribute_value
    from leads
    inner join current_values
        on leads.lead_id = current_values.lead_id

),

channel_answers as (

    select acquisition_channel, attribute, attribute_value, count(*) as answers
    from known_answers
    group by acquisition_channel, attribute, attribute_value

),

channel_totals as (

    select acquisition_channel, attribute, sum(answers) as similar_answers
    from channel_answers
    group by acquisition_channel, attribute

),

all_answers as (

    select attribute, attribute_value, count(*) as answers
    from known_answers
    group by attribute, attribute_value

),

all_totals as (

    select attribute, sum(answers) as similar_answers from all_answers group by attribute

),

-- which leads the answers are expected from: the same channel when enough of it know the attribute
bases as (

    select
        unknown_attributes.*,
        case
            when coalesce(channel_totals.similar_answers, 0) >= {{ min_similar }} then 'same_channel'
            when coalesce(all_totals.similar_answers, 0) > 0 then 'all_leads'
            else 'no_answers_seen'
        end as similar_leads_basis,
        case
            when coalesce(channel_totals.similar_answers, 0) >= {{ min_similar }} then channel_totals.similar_answers
            else coalesce(all_totals.similar_answers, 0)
        end as similar_leads_known
    from unknown_attributes
    left join channel_totals
        on unknown_attributes.acquisition_channel = channel_totals.acquisition_channel
        and unknown_attributes.attribute = channel_totals.attribute
    left join all_totals
        on unknown_attributes.attribute = all_totals.attribute

),

answers as (

    select
        bases.lead_id,
        bases.attribute,
        bases.fit_score,
        bases.icp_tier,
        bases.icp_version,
        coalesce(channel_answers.attribute_value, all_answers.attribute_value) as attribute_value,
        cast(coalesce(channel_answers.answers, all_answers.answers) as {{ float }}) / bases.similar_leads_known
            as answer_probability
    from bases
    left join channel_answers
        on bases.similar_leads_basis = 'same_channel'
        and bases.acquisition_channel = channel_answers.acquisition_channel
        and bases.attribute = channel_answers.attribute
    left join all_answers
        on bases.similar_leads_basis = 'all_leads'
        and bases.attribute = all_answers.attribute
    where bases.similar_leads_basis != 'no_answers_seen'

),

outcomes as (

    select
        answers.*,
        coalesce(rules.points, 0) as points_gained,
        {{ icp_tier('answers.fit_score + coalesce(rules.points, 0)', 'versions.tier_a_min_points', 'versions.tier_b_min_points') }}
            as tier_if_answered
    from answers
    inner join versions
        on answers.icp_version = versions.icp_version
    left join rules
        on answers.icp_version = rules.icp_version
        and answers.attribute = rules.attribute
        and answers.attribute_value = rules.attribute_value

),

expected as (

    select
        lead_id,
        attribute,
        sum(answer_probability * points_gained) as expected_points_gain,
        sum(case when tier_if_answered != icp_tier then answer_probability else 0 end) as tier_change_probability
    from outcomes
    group by lead_id, attribute

),

ranked as (

    select
        bases.*,
        round(coalesce(expected.expected_points_gain, 0), 6) as expected_points_gain,
        round(coalesce(expected.tier_change_probability, 0), 6) as tier_change_probability,
        count(*) over (partition by bases.lead_id) as unknown_attribute_count,
        row_number() over (
            partition by bases.lead_id
            order by
                round(coalesce(expected.tier_change_probability, 0), 6) desc,
                round(coalesce(expected.expected_points_gain, 0), 6) desc,
                bases.attribute
        ) as question_rank
    from bases
    left join expected
        on bases.lead_id = expected.lead_id
        and bases.attribute = expected.attribute

)

select
    lead_id,
    contact_id,
    lifecycle_stage,
    acquisition_channel,
    icp_version,
    fit_score,
    icp_tier,
    cast(unknown_attribute_count as integer) as unknown_attribute_count,
    attribute as next_attribute,
    case when attribute = 'seniority' then 'job_title' else attribute end as form_field,
    tier_change_probability,
    expected_points_gain,
    similar_leads_basis,
    cast(similar_leads_known as integer) as similar_leads_known
from ranked
where question_rank = 1
