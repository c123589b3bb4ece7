{#- lifecycle_stage_order: position of a stage on the way to customer (subscriber 1 … customer 6);
    the exits disqualified and recycled have no position (null). Reaching a stage implies having
    passed the earlier ones, so "first became mql" is the first change into mql or beyond. -#}
{% macro lifecycle_stage_order(stage_expression) -%}
    case {{ stage_expression }}
        when 'subscriber' then 1
        when 'lead' then 2
        when 'mql' then 3
        when 'sql' then 4
        when 'opportunity' then 5
        when 'customer' then 6
    end
{%- endmacro %}
