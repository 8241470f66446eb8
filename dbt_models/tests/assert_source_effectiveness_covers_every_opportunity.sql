{{ config(meta={'dagster': {'ref': {'name': 'source_effectiveness'}}}) }}
-- Every candidacy is counted under each of its sources (or '(none)'): the totals agree.
select
    (select sum(opportunities) from {{ ref('source_effectiveness') }}) as counted,
    (select sum(greatest(cardinality(sources), 1)) from {{ ref('opportunity_enhanced') }}) as expected
where (select sum(opportunities) from {{ ref('source_effectiveness') }})
   <> (select sum(greatest(cardinality(sources), 1)) from {{ ref('opportunity_enhanced') }})
