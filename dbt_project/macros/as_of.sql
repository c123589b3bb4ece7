{#- The build day and its end instant, as the pipeline's run day gives them.

    The pipeline works the run day out once (`lead_sla.run_day.RunDay`) and passes it as vars:
    `run_date` (YYYY-MM-DD), `reporting_timezone` (IANA zone) and `as_of_utc`, the end of the day in
    that zone (its next local midnight) as naive UTC `YYYY-MM-DD HH:MM:SS`. These macros only read
    them, so every model of one build, the data-quality suites and scoring use the same instant.

    run_date(): the day being built, as a SQL date literal.
    as_of_utc(): the end of that day, as a SQL timestamp literal. "As of D" means: events before
    this instant, and for mutable records the latest version known at it.

    A hand-made set of vars whose `as_of_utc` cannot be the end of `run_date` in any zone (more than
    14 hours before or 12 hours after the next UTC midnight, e.g. a unit test that overrides
    `run_date` and forgets `as_of_utc`) fails compilation, naming both. -#}

{% macro run_date() -%}
    cast('{{ var("run_date") }}' as date)
{%- endmacro %}

{% macro as_of_utc() -%}
    {%- if execute -%}
        {%- set day = modules.datetime.datetime.strptime(var("run_date"), "%Y-%m-%d") -%}
        {%- set instant = modules.datetime.datetime.strptime(var("as_of_utc"), "%Y-%m-%d %H:%M:%S") -%}
        {%- set next_midnight = day + modules.datetime.timedelta(days=1) -%}
        {%- if instant < next_midnight - modules.datetime.timedelta(hours=14)
              or instant > next_midnight + modules.datetime.timedelta(hours=12) -%}
            {{ exceptions.raise_compiler_error(
                "var as_of_utc " ~ var("as_of_utc") ~ " is not the end of run_date " ~ var("run_date")
                ~ " in any time zone; pass run_date, reporting_timezone and as_of_utc of one run day"
                ~ " (lead_sla.run_day.RunDay.dbt_vars)") }}
        {%- endif -%}
    {%- endif -%}
    cast('{{ var("as_of_utc") }}' as timestamp)
{%- endmacro %}
