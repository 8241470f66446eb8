-- Interviews link to forms both ways in Lever (interview.feedbackForms, feedback.interview).
select
    feedback_form_id,
    interview_id,
    max(_fivetran_synced) as _fivetran_synced,
    false as _fivetran_deleted
from (
    select f.feedback_id as feedback_form_id, f.interview_id, f.synced_at as _fivetran_synced
    from {{ ref('stg_lever__feedback') }} as f
    where f.interview_id is not null
    union all
    select ff.feedback_form_id, i.interview_id, i.synced_at
    from {{ ref('stg_lever__interviews') }} as i
    cross join lateral unnest(i.feedback_form_ids) as ff (feedback_form_id)
) as links
group by feedback_form_id, interview_id
