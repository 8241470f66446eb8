select
    user_id as id,
    access_role,
    created_at,
    deactivated_at,
    email,
    external_directory_id,
    user_name as name,
    photo_url as photo,
    username,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__users') }}
