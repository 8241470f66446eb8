{{ config(meta={'dagster': {'ref': {'name': 'posting_funnel'}}}) }}
-- Reaching a stage means reaching every earlier one, so per posting the counts never grow
-- along the pipeline, and each conversion rate is next / this.
select posting_id, stage_id, candidates_reached, candidates_reached_next, conversion_rate_to_next
from {{ ref('posting_funnel') }}
where candidates_reached_next > candidates_reached
   or (candidates_reached > 0 and candidates_reached_next is not null
       and conversion_rate_to_next <> round(candidates_reached_next::numeric / candidates_reached, 4))
