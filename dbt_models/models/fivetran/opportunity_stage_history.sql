select
    opportunity_id,
    stage_id,
    to_stage_index,
    changed_at as updated_at,
    changed_by_user_id as updater_id,
    synced_at as _fivetran_synced,
    is_deleted as _fivetran_deleted
from {{ ref('stg_lever__stage_changes') }}
