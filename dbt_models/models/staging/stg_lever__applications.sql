-- One row per application (synced with expand=applications, so each is a full object).
-- Lever's `posting`, `user` and `archived.reason` may arrive bare or expanded: read both.
select
    a.app ->> 'id' as application_id,
    o.opportunity_id,
    coalesce(a.app ->> 'candidateId', o.opportunity_id) as candidate_id,
    a.app ->> 'type' as application_type,
    coalesce(a.app -> 'posting' ->> 'id', a.app ->> 'posting') as posting_id,
    coalesce(a.app -> 'postingOwner' ->> 'id', a.app ->> 'postingOwner') as posting_owner_id,
    coalesce(a.app -> 'postingHiringManager' ->> 'id', a.app ->> 'postingHiringManager')
        as posting_hiring_manager_id,
    coalesce(a.app -> 'user' ->> 'id', a.app ->> 'user') as user_id,
    a.app ->> 'company' as company,
    a.app ->> 'comments' as comments,
    coalesce(a.app -> 'requisitionForHire' ->> 'id', a.app ->> 'requisitionForHire')
        as requisition_for_hire_id,
    {{ ms_to_timestamptz("(a.app ->> 'createdAt')::bigint") }} as created_at,
    {{ ms_to_timestamptz("(a.app -> 'archived' ->> 'archivedAt')::bigint") }} as archived_at,
    a.app -> 'archived' ->> 'reason' as archive_reason_id,
    o.is_deleted,
    o.synced_at
from {{ ref('stg_lever__opportunities') }} as o
cross join lateral jsonb_array_elements(o.applications) as a (app)
where jsonb_typeof(a.app) = 'object'
