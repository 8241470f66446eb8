with overall as (
    select distinct on (feedback_id) feedback_id, value_score
    from {{ ref('stg_lever__feedback_field_values') }}
    where field_type = 'score-system'
    order by feedback_id, field_position
)

select
    f.feedback_id as id,
    f.opportunity_id as candidate_id,
    f.completed_at,
    f.created_at,
    f.author_user_id as creator_id,
    f.deleted_at,
    f.instructions,
    f.interview_id,
    f.opportunity_id,
    o.value_score::int as score_system_value,
    f.template_id,
    f.feedback_title as text,
    f.feedback_type as type,
    f.synced_at as _fivetran_synced,
    f.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__feedback') }} as f
left join overall as o on o.feedback_id = f.feedback_id
