-- Fivetran's APPLICATION: one row per application. A referral's referrer is Lever's `user`
-- on the application, else the referrer named on the candidacy's first referral form.
with form_referrers as (
    select distinct on (opportunity_id) opportunity_id, referrer_id
    from {{ ref('stg_lever__referrals') }}
    where referrer_id is not null
    order by opportunity_id, created_at, referral_id
)

select
    a.application_id as id,
    a.archived_at,
    a.archive_reason_id as archived_reason_id,
    a.candidate_id,
    a.comments,
    a.company,
    a.created_at,
    a.opportunity_id,
    a.posting_hiring_manager_id,
    a.posting_id,
    a.posting_owner_id,
    case when a.application_type = 'referral' then coalesce(a.user_id, fr.referrer_id) end as referrer_id,
    a.requisition_for_hire_id,
    a.application_type as type,
    a.synced_at as _fivetran_synced,
    coalesce(o.is_deleted, false) as _fivetran_deleted
from {{ ref('stg_lever__applications') }} as a
left join {{ ref('stg_lever__opportunities') }} as o on o.opportunity_id = a.opportunity_id
left join form_referrers as fr on fr.opportunity_id = a.opportunity_id
