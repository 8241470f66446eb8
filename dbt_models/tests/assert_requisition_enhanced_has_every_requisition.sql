{{ config(meta={'dagster': {'ref': {'name': 'requisition_enhanced'}}}) }}
-- One row per synced requisition Lever still has: none lost, none repeated by the joins.
select
    (select count(*) from {{ ref('requisition_enhanced') }}) as counted,
    (select count(*) from {{ ref('stg_lever__requisitions') }} where not is_deleted) as expected
where (select count(*) from {{ ref('requisition_enhanced') }})
   <> (select count(*) from {{ ref('stg_lever__requisitions') }} where not is_deleted)
