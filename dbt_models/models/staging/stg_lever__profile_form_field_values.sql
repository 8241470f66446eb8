-- One row per profile form x field, the answer in the typed column for its type (parsed
-- exactly as feedback answers are, see stg_lever__feedback_field_values).
select
    form_id,
    field_id,
    opportunity_id,
    template_id,
    position as field_position,
    type as field_type,
    known_type,
    raw ->> 'text' as field_text,
    coalesce((raw ->> 'required')::boolean, false) as is_required,
    value_score,
    value_text,
    value_option,
    value_options,
    value_date,
    value_number,
    value_bool,
    value as value_json,
    parse_error,
    synced_at
from {{ lever_child_table('lever_profile_forms', 'profile_form_field_values') }}
