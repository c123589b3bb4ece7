{#- Staging helpers shared by the twelve stream models: normalization, "as of the build" and
    version bookkeeping. Raw tables keep every extracted version of every record; staging keeps
    what was known at the end of the build day (var `run_date`), one row per record version. -#}

{#- normalize_email: an e-mail is matched trimmed and lower-cased; empty means unknown. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- clean_text: free text from a form or the CRM, trimmed, empty string read as missing. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- known_on: the day a version became known: the export day folder, or else the day of its cursor
    in the reporting zone (one zone for every day comparison: a record from the local evening is
    known on its local day, not on the next UTC day). -#}
{% macro known_on(cursor_expression) -%}
    coalesce(_export_date, {{ reporting_date(cursor_expression) }})
{%- endmacro %}

{#- known_as_of_build: the version happened before the end of the build day and was known by then. -#}
{% macro known_as_of_build(cursor) -%}
    {{ cursor }} < {{ as_of_utc() }} and known_on <= {{ run_date() }}
{%- endmacro %}

{#- version_rank: 1 for the version kept when a (key, cursor) pair arrived more than once: the
    latest known, then the highest row hash, so that the choice is deterministic. -#}
{% macro version_rank(key, cursor='updated_at') -%}
    row_number() over (partition by {{ key }}, {{ cursor }} order by known_on desc, row_hash desc)
{%- endmacro %}

{#- first_version_rank: 1 for the first known version of an append-only record. -#}
{% macro first_version_rank(key) -%}
    row_number() over (partition by {{ key }} order by known_on, row_hash)
{%- endmacro %}

{#- version_id: surrogate key of one record version, hash of the key and the cursor. -#}
{% macro version_id(key, cursor='updated_at') -%}
    {{ dbt.hash(dbt.concat([key, "'|'", "cast(" ~ cursor ~ " as " ~ dbt.type_string() ~ ")"])) }}
{%- endmacro %}

{#- valid_to / is_latest: the next version's cursor closes a version; the last one stays open. -#}
{% macro valid_to(key, cursor='updated_at') -%}
    lead({{ cursor }}) over (partition by {{ key }} order by {{ cursor }})
{%- endmacro %}

{% macro is_latest(key, cursor='updated_at') -%}
    (lead({{ cursor }}) over (partition by {{ key }} order by {{ cursor }}) is null)
{%- endmacro %}

{#- record_versions: the tail of a mutable stream's staging model. From `typed_cte` (typed columns
    plus known_on and row_hash) keep what was known at the build, one row per (key, cursor), and
    add the version bookkeeping: <entity>_version_id, valid_from, valid_to, is_latest. -#}
{% macro record_versions(typed_cte, key, version_id_name, columns, cursor='updated_at') %}
known as (

    select * from {{ typed_cte }} where {{ known_as_of_build(cursor) }}

),

ranked as (

    select known.*, {{ version_rank(key, cursor) }} as version_rank from known

)

select
    {{ version_id(key, cursor) }} as {{ version_id_name }},
    {{ key }},
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    {{ cursor }},
    {{ cursor }} as valid_from,
    {{ valid_to(key, cursor) }} as valid_to,
    {{ is_latest(key, cursor) }} as is_latest,
    known_on,
    row_hash
from ranked
where version_rank = 1
{% endmacro %}

{#- first_known_records: the tail of an append-only stream's staging model: what was known at
    the build, one row per key (its first known copy). -#}
{% macro first_known_records(typed_cte, key, columns, cursor) %}
known as (

    select * from {{ typed_cte }} where {{ known_as_of_build(cursor) }}

),

ranked as (

    select known.*, {{ first_version_rank(key) }} as version_rank from known

)

select
    {{ key }},
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    known_on,
    row_hash
from ranked
where version_rank = 1
{% endmacro %}
