select
    interview_id,
    interviewer_user_id as user_id,
    feedback_template_id,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__interview_interviewers') }}
