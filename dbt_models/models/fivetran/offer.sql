select
    offer_id as id,
    opportunity_id as candidate_id,
    created_at,
    creator_id,
    opportunity_id,
    status,
    approved_at,
    sent_at,
    signed_at,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__offers') }}
