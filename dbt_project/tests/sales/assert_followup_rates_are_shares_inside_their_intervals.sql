-- Every rate of the follow-up evidence is a share between 0 and 1, and every 95% interval contains
-- its rate (and every lift interval its lift). Returns the offending rows with the failed rule.
{%- set outcomes = ['sql', 'opportunity', 'win'] %}

with evidence as (

    select * from {{ ref('fct_followup_evidence') }}

),

{%- for outcome in outcomes %}
{{ outcome }}_violations as (

    select
        followup_evidence_id,
        '{{ outcome }}' as outcome,
        case
            when not ({{ outcome }}_rate between 0 and 1) then 'rate outside 0..1'
            when not (stratum_{{ outcome }}_rate between 0 and 1) then 'stratum rate outside 0..1'
            when not ({{ outcome }}_rate_lower_95 >= 0 and {{ outcome }}_rate_upper_95 <= 1) then 'interval outside 0..1'
            when not ({{ outcome }}_rate_lower_95 <= {{ outcome }}_rate and {{ outcome }}_rate <= {{ outcome }}_rate_upper_95)
                then 'interval does not contain its rate'
            when {{ outcome }}_lift is not null
                and not ({{ outcome }}_lift_lower_95 <= {{ outcome }}_lift and {{ outcome }}_lift <= {{ outcome }}_lift_upper_95)
                then 'lift interval does not contain its lift'
        end as violation
    from evidence

),
{%- endfor %}

shares as (

    select followup_evidence_id, 'all' as outcome, 'share of handoffs outside 0..1' as violation
    from evidence
    where not (share_of_handoffs > 0 and share_of_handoffs <= 1)

)

{%- for outcome in outcomes %}
select * from {{ outcome }}_violations where violation is not null
union all
{%- endfor %}
select * from shares
