-- One row per form x field x value: array values (multiple-select options, scorecard
-- entries) get one row each, numbered by `value_index`; other fields have value_index 0.
with fields as (
    select
        v.*,
        case
            when v.field_type in ('multiple-select', 'scorecard') and jsonb_typeof(v.value_json) = 'array'
                then v.value_json
            else jsonb_build_array(v.value_json)
        end as value_items
    from {{ ref('stg_lever__feedback_field_values') }} as v
)

select
    f.feedback_id as feedback_form_id,
    f.field_position as field_index,
    (item.ordinality - 1)::int as value_index,
    f.field_id,
    f.field_text as text,
    f.field_type as type,
    f.field_description as description,
    f.is_required as required,
    f.code_language,
    f.currency,
    case when f.field_type = 'date' then f.value_date end as value_date,
    case when f.field_type = 'currency' then f.value_number end as value_decimal,
    null::text as value_file_id,
    case
        when f.field_type = 'scorecard' then (item.value ->> 'score')::numeric::int
        when f.field_type in ('score-system', 'score') then f.value_score::int
    end as value_number,
    case
        when f.field_type = 'scorecard' then item.value ->> 'comment'
        when f.field_type = 'multiple-select' then item.value #>> '{}'
        when jsonb_typeof(item.value) = 'string' then item.value #>> '{}'
        when item.value is null or jsonb_typeof(item.value) = 'null' then null
        else item.value::text
    end as value_text,
    f.synced_at as _fivetran_synced,
    false as _fivetran_deleted
from fields as f
cross join lateral jsonb_array_elements(
    case when jsonb_array_length(f.value_items) = 0 then '[null]'::jsonb else f.value_items end
) with ordinality as item (value, ordinality)
