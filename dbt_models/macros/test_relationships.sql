{#- dbt's own relationships test (same SQL, same name, so its result and its asset check
    are unchanged), plus one thing: a test configured to warn marks a reference that can
    arrive late (an interviewer, owner or posting Lever created after the last sync of
    users or postings), and its warning names the missing ids (at most ten, with the count),
    so the log says which ones to look for. Lever ids only: no personal data. -#}
{% macro default__test_relationships(model, column_name, to, field) %}
{%- set missing -%}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null
{%- endset -%}
{%- if execute and (config.get('severity') or 'error') | lower == 'warn' -%}
    {%- set sample = run_query(
        'select from_field, count(*) over () as missing from (select distinct from_field from ('
        ~ missing ~ ') as m) as d order by from_field limit 10'
    ) -%}
    {%- if sample.rows | length > 0 -%}
        {%- set ids = sample.columns[0].values() | join(', ') -%}
        {%- set total = sample.rows[0][1] -%}
        {{ exceptions.warn(
            model.identifier ~ '.' ~ column_name ~ ': ' ~ total ~ ' value(s) not in ' ~ to.identifier ~ '.' ~ field
            ~ ' (' ~ ids ~ (', ...' if total > 10 else '') ~ '); they arrive with a later sync, until then a warning'
        ) }}
    {%- endif -%}
{%- endif -%}
{{ missing }}
{% endmacro %}
