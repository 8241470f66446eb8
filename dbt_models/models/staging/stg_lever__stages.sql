select
    id as stage_id,
    text as stage_name,
    position as stage_position,
    synced_at
from {{ source('lever_raw', 'lever_stages') }}
