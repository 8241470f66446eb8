select
    archive_reason_id as id,
    archive_reason as text,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__archive_reasons') }}
