-- Several opportunities can share one contact: one row per contact x distinct email.
select
    o.contact_id,
    e.email,
    max(o.synced_at) as _fivetran_synced,
    bool_and(o.is_deleted) as _fivetran_deleted
from {{ ref('stg_lever__opportunities') }} as o
cross join lateral jsonb_array_elements_text(o.emails) as e (email)
where o.contact_id is not null
group by o.contact_id, e.email
