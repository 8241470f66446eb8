{#- The account's requisition custom fields as Fivetran names them: one column per field,
    `custom_field_<field id>` (lower case, anything but letters and digits as `_`, at most
    63 characters, PostgreSQL's limit; a name two fields would share goes to the first by id).
    Types follow Fivetran's: text and dropdown -> text, number -> numeric, date -> bigint
    (Lever's epoch milliseconds, as Fivetran stores them), object -> jsonb.
    `fields` is the relation of stg_lever__requisition_fields. The columns exist only at
    execution: they are read from the warehouse, so parsing sees none. -#}
{% macro requisition_custom_field_columns(fields) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select field_id, field_type from " ~ fields ~ " where not is_deleted order by field_id"
    ) -%}
    {%- set columns = [] -%}
    {%- set taken = [] -%}
    {%- for row in rows -%}
        {%- set name = ('custom_field_' ~ modules.re.sub('[^a-z0-9]+', '_', row[0] | lower).strip('_'))[:63] -%}
        {%- if name not in taken -%}
            {%- do taken.append(name) -%}
            {%- do columns.append({'field_id': row[0], 'field_type': row[1], 'column': name}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- One custom field's value out of a requisition's `customFields` object (`values`), typed
    as `requisition_custom_field_columns` describes; a value that does not fit its type is null. -#}
{% macro requisition_custom_field_value(values, column) -%}
    {%- set v = values ~ " -> '" ~ (column.field_id | replace("'", "''")) ~ "'" -%}
    {%- if column.field_type == 'number' -%}
        case when jsonb_typeof({{ v }}) = 'number' then ({{ v }})::text::numeric end
    {%- elif column.field_type == 'date' -%}
        case when jsonb_typeof({{ v }}) = 'number' then ({{ v }})::text::numeric::bigint end
    {%- elif column.field_type == 'object' -%}
        case when jsonb_typeof({{ v }}) = 'object' then {{ v }} end
    {%- else -%}
        case when jsonb_typeof({{ v }}) = 'string' then {{ v }} #>> '{}' end
    {%- endif -%}
{%- endmacro %}
