-- One row per posting in any state; one Lever listed as deleted keeps its row, flagged.
select
    id as posting_id,
    text as posting_title,
    state,
    team,
    department,
    location,
    commitment,
    level,
    workplace_type,
    confidentiality,
    owner_id,
    hiring_manager_id,
    creator_id,
    coalesce(tags, '{}'::text[]) as tags,
    array(
        select jsonb_array_elements_text(coalesce(raw -> 'requisitionCodes', '[]'::jsonb))
    ) as requisition_codes,
    raw -> 'content' ->> 'description' as content_description,
    raw -> 'content' ->> 'descriptionHtml' as content_description_html,
    raw -> 'content' ->> 'closing' as content_closing,
    raw -> 'content' ->> 'closingHtml' as content_closing_html,
    created_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    synced_at
from {{ source('lever_raw', 'lever_postings') }}
