{#- Each model folder has its own schema, used as the full name (not dbt's default
    `<target schema>_<custom>`): staging -> analytics_staging, marts -> analytics, and
    fivetran -> lever, the name Fivetran's dbt_lever package reads by default. A model's own
    `schema` config still wins. Chosen here rather than with `+schema` in dbt_project.yml so
    dagster-dbt does not put the schema in the asset key (see dbt_project.yml). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set folder_schemas = {'staging': 'analytics_staging', 'marts': 'analytics', 'fivetran': 'lever'} -%}
    {%- if custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- elif node.resource_type == 'model' and node.fqn | length > 2 and node.fqn[1] in folder_schemas -%}
        {{ folder_schemas[node.fqn[1]] }}
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
