-- One row per profile form filled in on an opportunity (deleted ones flagged).
select
    id as form_id,
    opportunity_id,
    type as form_type,
    text as form_title,
    base_template_id as template_id,
    user_id as author_user_id,
    stage_id,
    coalesce(field_count, 0) as field_count,
    created_at,
    completed_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_profile_forms') }}
