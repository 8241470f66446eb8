-- One row per posting (not deleted) x stage: how many of the posting's candidates reached the stage
-- (entered it, or any later stage, since Lever lets candidates skip stages) and what share
-- of them went on to reach the next stage in the pipeline order.
with opportunity_postings as (
    select o.opportunity_id, p.posting_id
    from {{ ref('stg_lever__opportunities') }} as o
    cross join lateral unnest(o.posting_ids) as p (posting_id)
    where not o.is_deleted
),

furthest as (
    select opportunity_id, max(stage_position) as furthest_position
    from {{ ref('stage_history') }}
    group by opportunity_id
),

entered as (
    select distinct opportunity_id, stage_id
    from {{ ref('stage_history') }}
),

grid as (
    select p.posting_id, p.posting_title, s.stage_id, s.stage_name, s.stage_position
    from {{ ref('stg_lever__postings') }} as p
    cross join {{ ref('stg_lever__stages') }} as s
    where not p.is_deleted
),

counts as (
    select
        g.posting_id,
        g.posting_title,
        g.stage_id,
        g.stage_name,
        g.stage_position,
        count(distinct op.opportunity_id) filter (where f.furthest_position >= g.stage_position)
            as candidates_reached,
        count(distinct op.opportunity_id) filter (where e.opportunity_id is not null)
            as candidates_entered
    from grid as g
    left join opportunity_postings as op on op.posting_id = g.posting_id
    left join furthest as f on f.opportunity_id = op.opportunity_id
    left join entered as e on e.opportunity_id = op.opportunity_id and e.stage_id = g.stage_id
    group by g.posting_id, g.posting_title, g.stage_id, g.stage_name, g.stage_position
)

select
    c.*,
    lead(c.stage_id) over w as next_stage_id,
    lead(c.candidates_reached) over w as candidates_reached_next,
    case when c.candidates_reached > 0 and lead(c.candidates_reached) over w is not null
        then round(lead(c.candidates_reached) over w::numeric / c.candidates_reached, 4)
    end as conversion_rate_to_next
from counts as c
window w as (partition by c.posting_id order by c.stage_position)
