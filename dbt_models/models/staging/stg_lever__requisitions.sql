-- One row per requisition (deleted ones flagged). `headcount_total` is null when the
-- headcount is unlimited (`headcount_infinite`); `custom_fields` keeps Lever's object of
-- field id -> value, typed per field in stg_lever__requisition_custom_field_values.
select
    id as requisition_id,
    requisition_code,
    name as requisition_name,
    status,
    confidentiality,
    backfill as is_backfill,
    headcount_total,
    headcount_infinite,
    headcount_hired,
    employment_status,
    location,
    team,
    department,
    owner_id,
    hiring_manager_id,
    creator_id,
    raw ->> 'internalNotes' as internal_notes,
    compensation_min,
    compensation_max,
    compensation_currency,
    compensation_interval,
    coalesce(posting_ids, '{}'::text[]) as posting_ids,
    coalesce(offer_ids, '{}'::text[]) as offer_ids,
    case when jsonb_typeof(raw -> 'customFields') = 'object' then raw -> 'customFields' else '{}'::jsonb end
        as custom_fields,
    time_to_fill_start_at,
    time_to_fill_end_at,
    created_at,
    updated_at,
    closed_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_requisitions') }}
