select
    id as archive_reason_id,
    text as archive_reason,
    type as archive_reason_type,
    status,
    coalesce(type = 'hired', false) as is_hired,
    synced_at
from {{ source('lever_raw', 'lever_archive_reasons') }}
