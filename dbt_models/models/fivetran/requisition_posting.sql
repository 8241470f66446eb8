-- Fivetran's REQUISITION_POSTING: one row per requisition x posting that hires against it,
-- from the requisition's `postings` and, the other way round, each posting's
-- `requisitionCodes` matched to a synced requisition's code.
with links as (
    select r.requisition_id, p.posting_id
    from {{ ref('stg_lever__requisitions') }} as r
    cross join lateral unnest(r.posting_ids) as p (posting_id)
    union
    select r.requisition_id, p.posting_id
    from {{ ref('stg_lever__postings') }} as p
    cross join lateral unnest(p.requisition_codes) as c (code)
    inner join {{ ref('stg_lever__requisitions') }} as r on r.requisition_code = c.code
)

select
    l.posting_id,
    l.requisition_id,
    r.synced_at as _fivetran_synced,
    r.is_deleted as _fivetran_deleted
from links as l
inner join {{ ref('stg_lever__requisitions') }} as r on r.requisition_id = l.requisition_id
