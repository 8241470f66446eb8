-- One row per opportunity x stage change: when it entered the stage, when it left (the
-- next change, else the archive time, else still there) and the days spent.
with changes as (
    select
        c.*,
        lead(c.changed_at) over w as next_changed_at,
        lead(c.stage_id) over w as next_stage_id,
        row_number() over (partition by c.opportunity_id order by c.change_index desc) = 1 as is_last
    from {{ ref('stg_lever__stage_changes') }} as c
    where not c.is_deleted
    window w as (partition by c.opportunity_id order by c.change_index)
),

bounded as (
    select
        c.opportunity_id,
        c.change_index,
        c.stage_id,
        c.to_stage_index,
        c.changed_by_user_id,
        c.changed_at as entered_at,
        case
            when not c.is_last then c.next_changed_at
            when o.is_archived then greatest(o.archived_at, c.changed_at)
        end as exited_at,
        c.next_stage_id,
        c.is_last and not o.is_archived as is_current,
        o.is_archived
    from changes as c
    inner join {{ ref('stg_lever__opportunities') }} as o using (opportunity_id)
)

select
    b.opportunity_id,
    b.change_index,
    b.stage_id,
    s.stage_name,
    s.stage_position,
    b.to_stage_index,
    b.changed_by_user_id,
    b.entered_at,
    b.exited_at,
    b.next_stage_id,
    b.is_current,
    {{ days_between('b.entered_at', 'coalesce(b.exited_at, current_timestamp)') }} as days_in_stage
from bounded as b
left join {{ ref('stg_lever__stages') }} as s using (stage_id)
