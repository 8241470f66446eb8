select distinct
    p.posting_id,
    t.tag,
    p.synced_at as _fivetran_synced,
    p.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__postings') }} as p
cross join lateral unnest(p.tags) as t (tag)
