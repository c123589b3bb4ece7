{#- Vocabularies of the lead profile (config/icp.yml): how raw form and CRM values become the
    values ICP rules compare against. Forms may give a band as text or a number; the CRM gives
    numbers. -#}

{#- vocabulary_value: free text to a vocabulary token ("Financial Services " -> financial_services). -#}
{% macro vocabulary_value(column) -%}
    nullif(replace(replace(lower(trim({{ column }})), ' ', '_'), '-', '_'), '')
{%- endmacro %}

{#- company_size_band: a head count (integer) to its band. -#}
{% macro employee_count_band(count_expression) -%}
    case
        when {{ count_expression }} is null or {{ count_expression }} < 1 then null
        when {{ count_expression }} <= 10 then '1-10'
        when {{ count_expression }} <= 50 then '11-50'
        when {{ count_expression }} <= 200 then '51-200'
        when {{ count_expression }} <= 1000 then '201-1000'
        when {{ count_expression }} <= 5000 then '1001-5000'
        else '5000+'
    end
{%- endmacro %}

{#- company_size_band: form text, either a band label or a head count, to the band. -#}
{% macro company_size_band(text_expression) -%}
    case
        when trim({{ text_expression }}) in ('1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+')
            then trim({{ text_expression }})
        else {{ employee_count_band(dbt.safe_cast(text_expression, api.Column.translate_type('integer'))) }}
    end
{%- endmacro %}

{#- annual_revenue_amount_band: a yearly revenue amount to its band. -#}
{% macro annual_revenue_amount_band(amount_expression) -%}
    case
        when {{ amount_expression }} is null or {{ amount_expression }} < 0 then null
        when {{ amount_expression }} < 1000000 then '<1M'
        when {{ amount_expression }} < 10000000 then '1M-10M'
        when {{ amount_expression }} < 50000000 then '10M-50M'
        when {{ amount_expression }} < 250000000 then '50M-250M'
        else '250M+'
    end
{%- endmacro %}

{#- annual_revenue_band: form text, either a band label or an amount, to the band. -#}
{% macro annual_revenue_band(text_expression) -%}
    case
        when upper(trim({{ text_expression }})) in ('<1M', '1M-10M', '10M-50M', '50M-250M', '250M+')
            then upper(trim({{ text_expression }}))
        else {{ annual_revenue_amount_band(dbt.safe_cast(text_expression, 'decimal(18, 2)')) }}
    end
{%- endmacro %}

{#- seniority_from_job_title: c_level, vp, director, manager or individual, from the words of a
    title; checked from the most senior down, so "VP, Head of Sales" is vp. -#}
{% macro seniority_from_job_title(title_expression) -%}
    case
        when {{ title_expression }} is null or trim({{ title_expression }}) = '' then null
        when lower({{ title_expression }}) like 'chief %'
            or lower({{ title_expression }}) like '% chief %'
            or lower(trim({{ title_expression }})) in ('ceo', 'cto', 'cfo', 'coo', 'cmo', 'cro', 'cio', 'cpo')
            or lower({{ title_expression }}) like 'ceo %' or lower({{ title_expression }}) like 'cto %'
            or lower({{ title_expression }}) like '%founder%'
            or lower({{ title_expression }}) like 'president%'
            or lower({{ title_expression }}) like 'owner%'
            then 'c_level'
        when lower({{ title_expression }}) like 'vp%'
            or lower({{ title_expression }}) like '% vp%'
            or lower({{ title_expression }}) like '%vice president%'
            then 'vp'
        when lower({{ title_expression }}) like '%director%'
            or lower({{ title_expression }}) like 'head of%'
            or lower({{ title_expression }}) like '% head of%'
            then 'director'
        when lower({{ title_expression }}) like '%manager%'
            or lower({{ title_expression }}) like '%team lead%'
            then 'manager'
        else 'individual'
    end
{%- endmacro %}
