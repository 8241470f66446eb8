select
    id as feedback_id,
    opportunity_id,
    template_id,
    type as feedback_type,
    raw ->> 'text' as feedback_title,
    raw ->> 'instructions' as instructions,
    interview_id,
    panel_id,
    user_id as author_user_id,
    created_at,
    completed_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_feedback') }}
