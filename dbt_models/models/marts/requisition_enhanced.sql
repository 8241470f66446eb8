-- One row per (not deleted) requisition: its headcount (total, hired as Lever counts it,
-- remaining), the hires linked to it, its postings, offers and candidacies, how many days
-- it has been open, and its time to fill.
--
-- A hire is linked to a requisition when the application names it (`requisitionForHire`)
-- or the hired candidacy's offer is one of the requisition's offers. The requisition opens
-- at Lever's `timeToFillStartAt` (else when it was created) and is filled at Lever's
-- `timeToFillEndAt`, else when the linked hire that reached its headcount was made; an
-- unlimited or unfilled requisition has no time to fill. A draft has not opened: no open days.
with hire_links as (
    select requisition_for_hire_id as requisition_id, opportunity_id
    from {{ ref('stg_lever__applications') }}
    where requisition_for_hire_id is not null
    union
    select r.requisition_id, f.opportunity_id
    from {{ ref('stg_lever__requisitions') }} as r
    cross join lateral unnest(r.offer_ids) as x (offer_id)
    inner join {{ ref('stg_lever__offers') }} as f on f.offer_id = x.offer_id
),

hires as (
    select
        l.requisition_id,
        count(*) as hires,
        array_agg(e.archived_at order by e.archived_at) as hired_at
    from hire_links as l
    inner join {{ ref('opportunity_enhanced') }} as e on e.opportunity_id = l.opportunity_id
    where e.is_hired
    group by l.requisition_id
),

-- Joined posting by posting (a hash join), not by array overlap, which compares every
-- requisition with every candidacy.
requisition_postings as (
    select r.requisition_id, p.posting_id
    from {{ ref('stg_lever__requisitions') }} as r
    cross join lateral unnest(r.posting_ids) as p (posting_id)
),

opportunity_postings as (
    select e.opportunity_id, e.is_archived, p.posting_id
    from {{ ref('opportunity_enhanced') }} as e
    cross join lateral unnest(e.posting_ids) as p (posting_id)
),

candidacies as (
    select
        rp.requisition_id,
        count(distinct op.opportunity_id) as opportunities,
        count(distinct op.opportunity_id) filter (where not op.is_archived) as active_opportunities
    from requisition_postings as rp
    inner join opportunity_postings as op on op.posting_id = rp.posting_id
    group by rp.requisition_id
),

requisitions as (
    select
        r.*,
        coalesce(r.time_to_fill_start_at, r.created_at) as opened_at,
        coalesce(h.hires, 0) as hires,
        h.hired_at[1] as first_hire_at,
        h.hired_at[cardinality(h.hired_at)] as last_hire_at,
        coalesce(
            r.time_to_fill_end_at,
            case when not r.headcount_infinite and r.headcount_total > 0 and h.hires >= r.headcount_total
                then h.hired_at[r.headcount_total] end
        ) as filled_at,
        coalesce(c.opportunities, 0) as opportunities,
        coalesce(c.active_opportunities, 0) as active_opportunities
    from {{ ref('stg_lever__requisitions') }} as r
    left join hires as h on h.requisition_id = r.requisition_id
    left join candidacies as c on c.requisition_id = r.requisition_id
    where not r.is_deleted
)

select
    r.requisition_id,
    r.requisition_code,
    r.requisition_name,
    r.status,
    r.confidentiality,
    r.is_backfill,
    r.employment_status,
    r.team,
    r.department,
    r.location,
    r.owner_id,
    owner.user_name as owner_name,
    r.hiring_manager_id,
    manager.user_name as hiring_manager_name,
    r.headcount_infinite,
    r.headcount_total,
    r.headcount_hired,
    case when not r.headcount_infinite then greatest(r.headcount_total - coalesce(r.headcount_hired, 0), 0) end
        as headcount_remaining,
    coalesce(not r.headcount_infinite and r.headcount_hired >= r.headcount_total, false) as is_filled,
    r.hires,
    cardinality(r.posting_ids) as postings,
    cardinality(r.offer_ids) as offers,
    r.opportunities,
    r.active_opportunities,
    r.created_at,
    r.opened_at,
    r.first_hire_at,
    r.last_hire_at,
    r.filled_at,
    r.closed_at,
    case when r.status <> 'draft'
        then {{ days_between('r.opened_at', 'coalesce(r.closed_at, current_timestamp)') }} end as open_days,
    {{ days_between('r.opened_at', 'r.first_hire_at') }} as days_to_first_hire,
    {{ days_between('r.opened_at', 'r.filled_at') }} as time_to_fill_days,
    r.updated_at
from requisitions as r
left join {{ ref('stg_lever__users') }} as owner on owner.user_id = r.owner_id
left join {{ ref('stg_lever__users') }} as manager on manager.user_id = r.hiring_manager_id
