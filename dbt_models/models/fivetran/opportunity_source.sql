select distinct
    o.opportunity_id,
    s.source,
    o.synced_at as _fivetran_synced,
    o.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__opportunities') }} as o
cross join lateral unnest(o.sources) as s (source)
