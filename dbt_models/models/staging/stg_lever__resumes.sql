select
    id as resume_id,
    opportunity_id,
    file_name,
    file_ext,
    file_status,
    file_size,
    raw -> 'file' ->> 'downloadUrl' as file_download_url,
    uploaded_at,
    created_at,
    synced_at
from {{ source('lever_raw', 'lever_resumes') }}
