-- Fivetran's PANEL_INTERVIEW: one row per panel x interview in it.
select distinct
    i.interview_id,
    p.panel_id,
    p.synced_at as _fivetran_synced,
    coalesce(o.is_deleted, false) as _fivetran_deleted
from {{ ref('stg_lever__panels') }} as p
cross join lateral unnest(p.interview_ids) as i (interview_id)
left join {{ ref('stg_lever__opportunities') }} as o on o.opportunity_id = p.opportunity_id
