-- Requisitions are not synced, so no offer can be linked to one: a correctly typed table
-- with zero rows, so dbt_lever's requisition models (lever_using_requisitions) still run.
-- It reads the offers (and no row of them) only to sit downstream of them in the lineage.
select
    o.offer_id,
    null::text as requisition_id,
    o.synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__offers') }} as o
where false
