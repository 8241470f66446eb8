select
    id as user_id,
    name as user_name,
    username,
    lower(email) as email,
    access_role,
    job_title,
    manager_id,
    raw ->> 'externalDirectoryId' as external_directory_id,
    raw ->> 'photo' as photo_url,
    created_at,
    deactivated_at,
    deactivated_at is null as is_active,
    synced_at
from {{ source('lever_raw', 'lever_users') }}
