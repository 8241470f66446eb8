{{ config(meta={'dagster': {'ref': {'name': 'pipeline_daily'}}}) }}
-- Today's snapshot counts exactly the open (not archived, not deleted) opportunities,
-- per current stage, among those with any stage change.
with today as (
    select stage_id, open_opportunities from {{ ref('pipeline_daily') }}
    where snapshot_date = (select max(snapshot_date) from {{ ref('pipeline_daily') }})
),
open_now as (
    select o.stage_id, count(*) as n
    from {{ ref('opportunity_enhanced') }} as o
    where not o.is_archived
      and exists (select 1 from {{ ref('stage_history') }} as h where h.opportunity_id = o.opportunity_id)
    group by o.stage_id
)
select t.stage_id, t.open_opportunities, coalesce(n.n, 0) as expected
from today as t left join open_now as n using (stage_id)
where t.open_opportunities <> coalesce(n.n, 0)
