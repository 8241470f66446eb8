select
    stage_id as id,
    stage_name as text,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__stages') }}
