{#- Lever sends timestamps as epoch milliseconds; inside raw JSON they stay numbers. -#}
{% macro ms_to_timestamptz(expr) -%}
    case when ({{ expr }}) is null then null else to_timestamp(({{ expr }})::numeric / 1000.0) end
{%- endmacro %}

{#- Elapsed days between two timestamps, as a fractional number. -#}
{% macro days_between(start_ts, end_ts) -%}
    (extract(epoch from ({{ end_ts }}) - ({{ start_ts }})) / 86400.0)::numeric
{%- endmacro %}

{#- A table the sync writes together with `parent` (a lever_raw source table): the same
    Dagster asset writes both, and dagster-dbt allows one source per asset key, so the
    child is read next to its parent and the model depends on the parent's source. -#}
{% macro lever_child_table(parent, identifier) -%}
    {%- set parent_relation = source('lever_raw', parent) -%}
    {{ return(api.Relation.create(database=parent_relation.database, schema=parent_relation.schema, identifier=identifier)) }}
{%- endmacro %}
