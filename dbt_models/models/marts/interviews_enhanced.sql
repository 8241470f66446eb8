-- One row per interview x interviewer: the interview, who ran it, the candidacy it was
-- for, and that interviewer's feedback form for it (if any) with its overall score.
with forms as (
    select distinct on (f.interview_id, f.author_user_id)
        f.interview_id,
        f.author_user_id,
        f.feedback_id,
        f.template_id,
        f.completed_at
    from {{ ref('stg_lever__feedback') }} as f
    where not f.is_deleted and f.interview_id is not null
    order by f.interview_id, f.author_user_id, f.completed_at desc nulls last, f.feedback_id
),

overall as (
    select distinct on (feedback_id) feedback_id, value_score as overall_score, value_option as overall_rating
    from {{ ref('stg_lever__feedback_field_values') }}
    where field_type = 'score-system'
    order by feedback_id, field_position
)

select
    i.interview_id,
    ii.interviewer_user_id,
    u.user_name as interviewer_name,
    i.opportunity_id,
    i.panel_id,
    i.subject,
    i.interview_at,
    i.interview_ends_at,
    i.duration_minutes,
    i.timezone,
    i.is_canceled,
    i.canceled_at,
    i.stage_id as interview_stage_id,
    s.stage_name as interview_stage_name,
    i.posting_ids[1] as posting_id,
    coalesce(ii.feedback_template_id, i.feedback_template_id) as feedback_template_id,
    o.stage_id as opportunity_stage_id,
    o.is_archived as opportunity_is_archived,
    o.origin as opportunity_origin,
    f.feedback_id,
    f.completed_at as feedback_completed_at,
    f.feedback_id is not null and f.completed_at is not null as has_feedback,
    case when f.completed_at is not null
        then round((extract(epoch from f.completed_at - i.interview_ends_at) / 3600.0)::numeric, 2)
    end as hours_interview_to_feedback,
    ov.overall_score,
    ov.overall_rating
from {{ ref('stg_lever__interviews') }} as i
inner join {{ ref('stg_lever__interview_interviewers') }} as ii on ii.interview_id = i.interview_id
left join {{ ref('stg_lever__users') }} as u on u.user_id = ii.interviewer_user_id
left join {{ ref('stg_lever__stages') }} as s on s.stage_id = i.stage_id
left join {{ ref('stg_lever__opportunities') }} as o on o.opportunity_id = i.opportunity_id
left join forms as f on f.interview_id = i.interview_id and f.author_user_id = ii.interviewer_user_id
left join overall as ov on ov.feedback_id = f.feedback_id
