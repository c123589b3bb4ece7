{#- wilson_interval_bound: a bound of the Wilson score interval of a binomial proportion
    (`successes` of `trials`), by default at 95% (z = 1.959964):

        (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n),   p = successes / n

    Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is honest for small n and rates near 0,
    which is what win rates of rare profile values are. Rounded to 6 decimals; null when there are
    no trials. -#}
{% macro wilson_interval_bound(successes, trials, bound, z=1.959964) -%}
    {%- if bound not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("wilson_interval_bound: bound must be 'lower' or 'upper', got " ~ bound) }}
    {%- endif -%}
    {%- set float = type_ratio() -%}
    {%- set n = '(cast(' ~ trials ~ ' as ' ~ float ~ '))' -%}
    {%- set p = '(cast(' ~ successes ~ ' as ' ~ float ~ ') / ' ~ n ~ ')' -%}
    {%- set z2 = z * z -%}
    {%- set bound_sql -%}
        round(
            (
                {{ p }} + {{ z2 }} / (2 * {{ n }})
                {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z2 }} / (4 * {{ n }} * {{ n }}))
            ) / (1 + {{ z2 }} / {{ n }}),
        6)
    {%- endset %}
    {#- at 0 or n successes a bound is 0 or 1 exactly; floating point may land a hair outside (or on -0) -#}
    case
        when {{ trials }} > 0 and {{ bound_sql }} <= 0 then cast(0 as {{ float }})
        when {{ trials }} > 0 and {{ bound_sql }} >= 1 then cast(1 as {{ float }})
        when {{ trials }} > 0 then {{ bound_sql }}
    end
{%- endmacro %}
