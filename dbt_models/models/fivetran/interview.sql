select
    interview_id as id,
    canceled_at,
    -- Lever's legacy candidate id is the opportunity id (see applications' candidateId).
    opportunity_id as candidate_id,
    created_at,
    creator_id,
    interview_at as date,
    duration_minutes as duration,
    feedback_reminder,
    gcal_event_url,
    location,
    note,
    opportunity_id,
    panel_id,
    stage_id,
    subject,
    timezone,
    synced_at as _fivetran_synced,
    false as _fivetran_deleted
from {{ ref('stg_lever__interviews') }}
