-- Fivetran's PANEL_APPLICATION: one row per panel x application it was scheduled for.
select distinct
    a.application_id,
    p.panel_id,
    p.synced_at as _fivetran_synced,
    coalesce(o.is_deleted, false) as _fivetran_deleted
from {{ ref('stg_lever__panels') }} as p
cross join lateral unnest(p.application_ids) as a (application_id)
left join {{ ref('stg_lever__opportunities') }} as o on o.opportunity_id = p.opportunity_id
