select
    application_id as id,
    archived_at,
    archive_reason_id as archived_reason_id,
    candidate_id,
    comments,
    company,
    created_at,
    opportunity_id,
    posting_hiring_manager_id,
    posting_id,
    posting_owner_id,
    -- Lever's `user` on a referral is the referrer; on other types it is who added the application.
    case when application_type = 'referral' then user_id end as referrer_id,
    requisition_for_hire_id,
    application_type as type,
    synced_at as _fivetran_synced,
    is_deleted as _fivetran_deleted
from {{ ref('stg_lever__applications') }}
