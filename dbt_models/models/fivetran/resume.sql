select
    resume_id as id,
    created_at,
    file_download_url,
    file_ext,
    file_name,
    uploaded_at as file_uploaded_at,
    opportunity_id,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__resumes') }}
