-- One row per requisition x custom field it has a value for, typed by the field's type
-- (object fields keep their subfields in `value_json` only).
select
    requisition_id,
    field_id,
    field_type,
    value_text,
    value_number,
    value_date,
    value as value_json,
    synced_at
from {{ lever_child_table('lever_requisitions', 'requisition_custom_field_values') }}
