-- One row per posting (not deleted): its candidacies, hires (archived with a reason of type `hired`)
-- and the days from candidacy created to hired (median, average, fastest, slowest).
with per_opportunity as (
    select
        p.posting_id,
        e.opportunity_id,
        e.is_hired,
        e.days_to_hire
    from {{ ref('opportunity_enhanced') }} as e
    cross join lateral unnest(e.posting_ids) as p (posting_id)
)

select
    p.posting_id,
    p.posting_title,
    p.state as posting_state,
    p.team,
    p.department,
    count(po.opportunity_id) as opportunities,
    count(po.opportunity_id) filter (where po.is_hired) as hires,
    case when count(po.opportunity_id) > 0
        then round(count(po.opportunity_id) filter (where po.is_hired)::numeric / count(po.opportunity_id), 4)
    end as hire_rate,
    round((percentile_cont(0.5) within group (order by po.days_to_hire))::numeric, 2) as median_days_to_hire,
    round(avg(po.days_to_hire), 2) as avg_days_to_hire,
    round(min(po.days_to_hire), 2) as min_days_to_hire,
    round(max(po.days_to_hire), 2) as max_days_to_hire
from {{ ref('stg_lever__postings') }} as p
left join per_opportunity as po on po.posting_id = p.posting_id
where not p.is_deleted
group by p.posting_id, p.posting_title, p.state, p.team, p.department
