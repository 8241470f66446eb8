select
    id as offer_id,
    opportunity_id,
    status,
    creator_id,
    coalesce(raw -> 'fields', '[]'::jsonb) as offer_fields,
    created_at,
    approved_at,
    sent_at,
    signed_at,
    synced_at
from {{ source('lever_raw', 'lever_offers') }}
