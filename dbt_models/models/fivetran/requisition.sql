-- Requisitions are not synced yet: until they are, one row per requisition code named by
-- a posting (`requisitionCodes`), keyed by that code. Only `id`, `requisition_code` and
-- `team` are known from postings; every other column stays null.
select
    code as id,
    null::boolean as backfill,
    null::text as compensation_band_currency,
    null::text as compensation_band_interval,
    null::text as compensation_band_max,
    null::text as compensation_band_min,
    min(p.created_at) as created_at,
    null::text as creator_id,
    null::text as employment_status,
    null::text as headcount_hired,
    null::text as headcount_infinite,
    null::text as headcount_total,
    null::text as hiring_manager_id,
    null::text as internal_notes,
    max(p.location) as location,
    code as name,
    null::text as owner_id,
    code as requisition_code,
    null::text as status,
    max(p.team) as team,
    max(p.synced_at) as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__postings') }} as p
cross join lateral unnest(p.requisition_codes) as r (code)
group by code
