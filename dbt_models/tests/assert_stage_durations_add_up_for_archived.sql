{{ config(meta={'dagster': {'ref': {'name': 'stage_history'}}}) }}
-- For an archived opportunity whose stage changes all precede archiving, the days it
-- spent in its stages add up to the days from its first stage change to archiving.
with per_opportunity as (
    select opportunity_id, sum(days_in_stage) as days_in_stages, min(entered_at) as first_entered_at,
           max(entered_at) as last_entered_at
    from {{ ref('stage_history') }}
    group by opportunity_id
)

select p.opportunity_id, p.days_in_stages,
       {{ days_between('p.first_entered_at', 'o.archived_at') }} as days_first_change_to_archived
from per_opportunity as p
inner join {{ ref('opportunity_enhanced') }} as o using (opportunity_id)
where o.is_archived and o.archived_at >= p.last_entered_at
  and abs(p.days_in_stages - {{ days_between('p.first_entered_at', 'o.archived_at') }}) > 0.0001
