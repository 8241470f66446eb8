-- One row per entry of an opportunity's `stageChanges`, in Lever's order.
select
    o.opportunity_id,
    (c.ordinality - 1)::int as change_index,
    c.change ->> 'toStageId' as stage_id,
    (c.change ->> 'toStageIndex')::int as to_stage_index,
    {{ ms_to_timestamptz("(c.change ->> 'updatedAt')::bigint") }} as changed_at,
    c.change ->> 'userId' as changed_by_user_id,
    o.is_deleted,
    o.synced_at
from {{ ref('stg_lever__opportunities') }} as o
cross join lateral jsonb_array_elements(o.stage_changes) with ordinality as c (change, ordinality)
