-- One row per day x stage: opportunities open (not archived, not deleted) in that stage
-- at the end of the day (UTC), from the first stage change to today.
with bounds as (
    select min(entered_at)::date as first_day, current_date as last_day
    from {{ ref('stage_history') }}
),

days as (
    select d::date as snapshot_date, (d + interval '1 day') as day_end
    from bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') as d
),

intervals as (
    -- For an archived candidacy the last interval ends at archiving, so it stops counting.
    select opportunity_id, stage_id, entered_at, exited_at
    from {{ ref('stage_history') }}
),

open_counts as (
    select
        d.snapshot_date,
        i.stage_id,
        count(distinct i.opportunity_id) as open_opportunities
    from days as d
    inner join intervals as i
        on i.entered_at < d.day_end and (i.exited_at is null or i.exited_at >= d.day_end)
    group by d.snapshot_date, i.stage_id
)

select
    d.snapshot_date,
    s.stage_id,
    s.stage_name,
    s.stage_position,
    coalesce(c.open_opportunities, 0) as open_opportunities
from days as d
cross join {{ ref('stg_lever__stages') }} as s
left join open_counts as c on c.snapshot_date = d.snapshot_date and c.stage_id = s.stage_id
