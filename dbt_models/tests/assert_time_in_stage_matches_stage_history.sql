{{ config(meta={'dagster': {'ref': {'name': 'time_in_stage'}}}) }}
-- time_in_stage regroups stage_history: per opportunity the totals must agree exactly,
-- except for open stays, whose durations run to the time each model was built.
with h as (
    select opportunity_id, sum(days_in_stage) as days, count(*) as visits
    from {{ ref('stage_history') }} where exited_at is not null group by opportunity_id
),
t as (
    select opportunity_id, sum(days_in_stage) as days, sum(visits) as visits
    from {{ ref('time_in_stage') }} where last_exited_at is not null group by opportunity_id
)
select h.opportunity_id, h.days, t.days as t_days, h.visits, t.visits as t_visits
from h full outer join t using (opportunity_id)
where h.days is distinct from t.days or h.visits is distinct from t.visits
