-- One row per application, as Lever returns it inside its opportunity (the sync reads
-- opportunities with expand=applications). Contact details stay in the raw table.
select
    id as application_id,
    opportunity_id,
    coalesce(candidate_id, opportunity_id) as candidate_id,
    type as application_type,
    posting_id,
    posting_owner_id,
    posting_hiring_manager_id,
    -- Who added a user or referral application; on a referral, the referrer.
    user_id,
    raw ->> 'company' as company,
    raw ->> 'comments' as comments,
    requisition_for_hire_id,
    created_at,
    archived_at,
    archived_reason_id as archive_reason_id,
    synced_at
from {{ source('lever_raw', 'lever_applications') }}
