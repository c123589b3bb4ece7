{#- icp_tier: the ICP tier of a number of fit points under a version's cut-offs: A at
    `a_min_points` or more, B at `b_min_points` or more, else C. The one definition of a tier,
    used for the fit's tier (int_lead_fit_timelines, in force and as known), for a lead's tier once a question is
    answered (fct_lead_next_question) and for a proposed ICP (fct_icp_proposal_leads). -#}
{% macro icp_tier(points, a_min_points, b_min_points) -%}
    case
        when {{ points }} >= {{ a_min_points }} then 'A'
        when {{ points }} >= {{ b_min_points }} then 'B'
        else 'C'
    end
{%- endmacro %}
