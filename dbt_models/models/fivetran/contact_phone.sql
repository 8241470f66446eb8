-- One row per contact x phone, in the order of the most recently updated opportunity.
select distinct on (o.contact_id, (p.ordinality - 1))
    o.contact_id,
    (p.ordinality - 1)::int as index,
    p.phone ->> 'type' as type,
    p.phone ->> 'value' as value,
    o.synced_at as _fivetran_synced,
    o.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__opportunities') }} as o
cross join lateral jsonb_array_elements(o.phones) with ordinality as p (phone, ordinality)
where o.contact_id is not null
order by o.contact_id, (p.ordinality - 1), o.updated_at desc
