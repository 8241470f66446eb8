-- One row per interviewer x feedback template x scored field: the interviewer's totals
-- (interviews, forms submitted, time to feedback; repeated on each of their rows) and, for
-- the field, how many scores they gave, the average and the 1-4 distribution.
-- Scored fields are Lever's `score-system`, `score` and `scorecard` (its per-row average).
with interviewer_totals as (
    select
        interviewer_user_id,
        max(interviewer_name) as interviewer_name,
        count(distinct interview_id) filter (where not is_canceled) as interviews,
        count(distinct feedback_id) filter (where has_feedback) as interview_feedback_submitted,
        round(avg(hours_interview_to_feedback), 2) as avg_hours_to_feedback,
        round(
            (percentile_cont(0.5) within group (order by hours_interview_to_feedback))::numeric, 2
        ) as median_hours_to_feedback
    from {{ ref('interviews_enhanced') }}
    group by interviewer_user_id
),

authored as (
    select author_user_id, count(*) as feedback_forms_submitted
    from {{ ref('stg_lever__feedback') }}
    where not is_deleted and completed_at is not null
    group by author_user_id
),

scores as (
    select
        f.author_user_id as interviewer_user_id,
        v.template_id,
        v.field_id,
        max(v.field_text) as field_text,
        max(v.field_type) as field_type,
        count(v.value_score) as scores_given,
        round(avg(v.value_score), 3) as avg_score,
        count(*) filter (where round(v.value_score) = 1) as score_1,
        count(*) filter (where round(v.value_score) = 2) as score_2,
        count(*) filter (where round(v.value_score) = 3) as score_3,
        count(*) filter (where round(v.value_score) = 4) as score_4
    from {{ ref('stg_lever__feedback_field_values') }} as v
    inner join {{ ref('stg_lever__feedback') }} as f using (feedback_id)
    where not f.is_deleted and f.completed_at is not null
        and v.field_type in ('score-system', 'score', 'scorecard')
    group by f.author_user_id, v.template_id, v.field_id
)

select
    s.interviewer_user_id,
    coalesce(t.interviewer_name, u.user_name) as interviewer_name,
    s.template_id,
    tpl.template_name,
    s.field_id,
    s.field_text,
    s.field_type,
    coalesce(t.interviews, 0) as interviews,
    coalesce(t.interview_feedback_submitted, 0) as interview_feedback_submitted,
    coalesce(a.feedback_forms_submitted, 0) as feedback_forms_submitted,
    t.avg_hours_to_feedback,
    t.median_hours_to_feedback,
    s.scores_given,
    s.avg_score,
    s.score_1,
    s.score_2,
    s.score_3,
    s.score_4
from scores as s
left join interviewer_totals as t on t.interviewer_user_id = s.interviewer_user_id
left join authored as a on a.author_user_id = s.interviewer_user_id
left join {{ ref('stg_lever__users') }} as u on u.user_id = s.interviewer_user_id
left join {{ ref('stg_lever__feedback_templates') }} as tpl on tpl.template_id = s.template_id
