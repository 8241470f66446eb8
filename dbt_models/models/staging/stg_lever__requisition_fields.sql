-- One row per requisition custom field the account defines.
select
    id as field_id,
    text as field_text,
    type as field_type,
    coalesce(is_required, false) as is_required,
    coalesce(options, '[]'::jsonb) as options,
    coalesce(subfields, '[]'::jsonb) as subfields,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_requisition_fields') }}
