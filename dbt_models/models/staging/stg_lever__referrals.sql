-- One row per referral form on an opportunity; the answers (which name people) stay raw.
select
    id as referral_id,
    opportunity_id,
    referrer_id,
    user_id as author_user_id,
    base_template_id as template_id,
    text as referral_title,
    stage_id,
    coalesce(field_count, 0) as field_count,
    created_at,
    completed_at,
    synced_at
from {{ source('lever_raw', 'lever_referrals') }}
