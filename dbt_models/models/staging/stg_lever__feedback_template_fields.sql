select
    template_id,
    field_id,
    position as field_position,
    type as field_type,
    known_type,
    text as field_text,
    description,
    required as is_required,
    prompt,
    options,
    scores,
    language as code_language,
    currency,
    synced_at
from {{ lever_child_table('lever_feedback_templates', 'feedback_template_fields') }}
