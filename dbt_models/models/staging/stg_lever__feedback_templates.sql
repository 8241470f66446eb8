select
    id as template_id,
    text as template_name,
    group_id,
    group_name,
    stage_id,
    instructions,
    field_count,
    created_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_feedback_templates') }}
