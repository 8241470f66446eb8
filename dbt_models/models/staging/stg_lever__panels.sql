-- One row per interview panel (interviews scheduled together for one candidacy).
select
    id as panel_id,
    opportunity_id,
    stage_id,
    user_id as creator_id,
    timezone,
    raw ->> 'note' as note,
    start_at,
    end_at,
    created_at,
    canceled_at,
    canceled_at is not null as is_canceled,
    coalesce(externally_managed, false) as is_externally_managed,
    external_url,
    feedback_reminder,
    coalesce(application_ids, '{}'::text[]) as application_ids,
    coalesce(interview_ids, '{}'::text[]) as interview_ids,
    coalesce(interview_count, 0) as interview_count,
    synced_at
from {{ source('lever_raw', 'lever_panels') }}
