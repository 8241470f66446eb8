-- The note text stays in the raw table: notes are free text about a person.
select
    id as note_id,
    opportunity_id,
    user_id as author_user_id,
    coalesce(secret, false) as is_secret,
    score,
    field_count,
    created_at,
    completed_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_notes') }}
