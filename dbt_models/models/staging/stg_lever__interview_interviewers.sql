select
    interview_id,
    user_id as interviewer_user_id,
    opportunity_id,
    position as interviewer_position,
    feedback_template_id,
    synced_at
from {{ lever_child_table('lever_interviews', 'interview_interviewers') }}
