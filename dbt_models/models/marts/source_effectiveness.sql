-- One row per source (an opportunity with several sources counts once for each; none is
-- '(none)'): candidacies, how many got an interview, reached the offer stage or beyond,
-- were hired, the pass-through rates between those steps and the median days to hire;
-- and how many of its candidacies were referrals (opportunity_enhanced.is_referred), their
-- share of the source and their hire rate.
with offer_stage as (
    select coalesce(
        (select stage_position from {{ ref('stg_lever__stages') }} where stage_id = 'offer'),
        (select max(stage_position) from {{ ref('stg_lever__stages') }})
    ) as offer_position
),

furthest as (
    select opportunity_id, max(stage_position) as furthest_position
    from {{ ref('stage_history') }}
    group by opportunity_id
),

per_source as (
    select
        coalesce(src.source, '(none)') as source,
        e.opportunity_id,
        e.interviews > 0 as was_interviewed,
        coalesce(f.furthest_position >= os.offer_position, false) or e.offers > 0 or e.is_hired as reached_offer,
        e.is_hired,
        e.is_referred,
        e.days_to_hire
    from {{ ref('opportunity_enhanced') }} as e
    cross join offer_stage as os
    left join furthest as f on f.opportunity_id = e.opportunity_id
    left join lateral unnest(case when cardinality(e.sources) = 0 then array[null::text] else e.sources end)
        as src (source) on true
),

totals as (
    select
        source,
        count(*) as opportunities,
        count(*) filter (where was_interviewed) as interviewed,
        count(*) filter (where reached_offer) as reached_offer,
        count(*) filter (where is_hired) as hires,
        count(*) filter (where is_referred) as referrals,
        count(*) filter (where is_referred and is_hired) as referral_hires,
        round((percentile_cont(0.5) within group (order by days_to_hire))::numeric, 2) as median_days_to_hire
    from per_source
    group by source
)

select
    t.*,
    round(t.interviewed::numeric / nullif(t.opportunities, 0), 4) as interview_rate,
    round(t.reached_offer::numeric / nullif(t.interviewed, 0), 4) as interview_to_offer_rate,
    round(t.hires::numeric / nullif(t.reached_offer, 0), 4) as offer_to_hire_rate,
    round(t.hires::numeric / nullif(t.opportunities, 0), 4) as hire_rate,
    round(t.referrals::numeric / nullif(t.opportunities, 0), 4) as referral_share,
    round(t.referral_hires::numeric / nullif(t.referrals, 0), 4) as referral_hire_rate
from totals as t
