-- Fivetran's REQUISITION_OFFER: one row per requisition x offer made against it (the
-- requisition's `offerIds`).
select distinct
    o.offer_id,
    r.requisition_id,
    r.synced_at as _fivetran_synced,
    r.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__requisitions') }} as r
cross join lateral unnest(r.offer_ids) as o (offer_id)
