-- One row per opportunity x stage it ever entered: total days there across visits.
select
    h.opportunity_id,
    h.stage_id,
    max(h.stage_name) as stage_name,
    max(h.stage_position) as stage_position,
    count(*) as visits,
    min(h.entered_at) as first_entered_at,
    case when bool_or(h.exited_at is null) then null else max(h.exited_at) end as last_exited_at,
    bool_or(h.is_current) as is_current,
    sum(h.days_in_stage) as days_in_stage
from {{ ref('stage_history') }} as h
group by h.opportunity_id, h.stage_id
