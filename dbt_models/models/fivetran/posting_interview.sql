-- One row per interview x posting it was for (Lever's interview `postings`); dbt_lever's
-- staging reads this table unconditionally.
select distinct
    i.interview_id,
    p.posting_id,
    i.synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__interviews') }} as i
cross join lateral unnest(i.posting_ids) as p (posting_id)
