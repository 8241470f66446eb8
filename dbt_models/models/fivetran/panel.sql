-- Fivetran's PANEL: one row per interview panel, with the columns of Fivetran's PANEL
-- table (`start` and `end` as Fivetran names them) plus the panel's opportunity.
select
    p.panel_id as id,
    p.canceled_at,
    p.created_at,
    p.creator_id,
    p.end_at as "end",
    p.external_url,
    p.is_externally_managed as externally_managed,
    p.feedback_reminder,
    p.note,
    p.opportunity_id,
    p.stage_id,
    p.start_at as "start",
    p.timezone,
    p.synced_at as _fivetran_synced,
    coalesce(o.is_deleted, false) as _fivetran_deleted
from {{ ref('stg_lever__panels') }} as p
left join {{ ref('stg_lever__opportunities') }} as o on o.opportunity_id = p.opportunity_id
