select
    id as file_id,
    opportunity_id,
    name as file_name,
    ext as file_ext,
    status as file_status,
    size as file_size,
    uploaded_at,
    synced_at
from {{ source('lever_raw', 'lever_files') }}
