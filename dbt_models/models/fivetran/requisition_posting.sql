-- Until requisitions are synced, a requisition's id is its code (see `requisition`).
select distinct
    p.posting_id,
    r.code as requisition_id,
    p.synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__postings') }} as p
cross join lateral unnest(p.requisition_codes) as r (code)
