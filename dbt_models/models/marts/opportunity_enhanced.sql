-- One row per (not deleted) opportunity: a candidacy with its stage, people, posting,
-- sources, tags, referral, archive reason, activity counts and time in its current stage.
with current_stage as (
    select opportunity_id, entered_at as current_stage_entered_at
    from {{ ref('stage_history') }}
    where exited_at is null or is_current
),

last_change as (
    select distinct on (opportunity_id) opportunity_id, entered_at as last_stage_change_at
    from {{ ref('stage_history') }}
    order by opportunity_id, change_index desc
),

interviews as (
    select
        opportunity_id,
        count(*) filter (where not is_canceled) as interviews,
        count(*) filter (where is_canceled) as canceled_interviews,
        min(interview_at) filter (where not is_canceled) as first_interview_at
    from {{ ref('stg_lever__interviews') }}
    group by opportunity_id
),

feedback as (
    select
        opportunity_id,
        count(*) filter (where completed_at is not null) as feedback_forms_completed
    from {{ ref('stg_lever__feedback') }}
    where not is_deleted
    group by opportunity_id
),

notes as (
    select opportunity_id, count(*) as notes
    from {{ ref('stg_lever__notes') }}
    where not is_deleted
    group by opportunity_id
),

offers as (
    select opportunity_id, count(*) as offers, max(created_at) as last_offer_at
    from {{ ref('stg_lever__offers') }}
    group by opportunity_id
),

-- A candidacy is referred when Lever says so in any of three places: its origin, a
-- referral-type application, or a referral form. The referrer is the first referral
-- application's user, else the first form's referrer.
referral_applications as (
    select distinct on (opportunity_id) opportunity_id, user_id as referrer_id
    from {{ ref('stg_lever__applications') }}
    where application_type = 'referral'
    order by opportunity_id, created_at, application_id
),

referral_forms as (
    select
        opportunity_id,
        count(*) as referral_forms,
        (array_agg(referrer_id order by created_at, referral_id) filter (where referrer_id is not null))[1]
            as referrer_id
    from {{ ref('stg_lever__referrals') }}
    group by opportunity_id
)

select
    o.opportunity_id,
    o.contact_id,
    o.candidate_name,
    o.headline,
    o.location,
    o.origin,
    o.confidentiality,
    o.stage_id,
    s.stage_name,
    s.stage_position,
    o.owner_id,
    owner.user_name as owner_name,
    o.sourced_by_id,
    o.posting_ids,
    o.posting_id,
    p.posting_title,
    p.team as posting_team,
    p.department as posting_department,
    p.location as posting_location,
    p.hiring_manager_id as posting_hiring_manager_id,
    o.sources,
    o.sources[1] as source,
    coalesce(o.origin = 'referred', false) or ra.opportunity_id is not null or rf.opportunity_id is not null
        as is_referred,
    coalesce(ra.referrer_id, rf.referrer_id) as referrer_id,
    coalesce(rf.referral_forms, 0) as referral_forms,
    o.tags,
    o.is_archived,
    o.archive_reason_id,
    ar.archive_reason,
    ar.archive_reason_type,
    coalesce(o.is_archived and ar.is_hired, false) as is_hired,
    o.created_at,
    o.updated_at,
    o.last_advanced_at,
    o.last_interaction_at,
    o.archived_at,
    case when coalesce(o.is_archived and ar.is_hired, false)
        then {{ days_between('o.created_at', 'o.archived_at') }} end as days_to_hire,
    coalesce(cs.current_stage_entered_at, lc.last_stage_change_at, o.created_at) as current_stage_entered_at,
    -- Lever lets a stage change land after archiving; like stage_history, such a last stage
    -- then ends when it was entered (0 days), never before.
    {{ days_between(
        'coalesce(cs.current_stage_entered_at, lc.last_stage_change_at, o.created_at)',
        'case when o.is_archived
            then greatest(o.archived_at, coalesce(cs.current_stage_entered_at, lc.last_stage_change_at, o.created_at))
            else current_timestamp end'
    ) }} as days_in_current_stage,
    coalesce(i.interviews, 0) as interviews,
    coalesce(i.canceled_interviews, 0) as canceled_interviews,
    i.first_interview_at,
    coalesce(f.feedback_forms_completed, 0) as feedback_forms_completed,
    coalesce(n.notes, 0) as notes,
    coalesce(ofr.offers, 0) as offers,
    ofr.last_offer_at
from {{ ref('stg_lever__opportunities') }} as o
left join {{ ref('stg_lever__stages') }} as s on s.stage_id = o.stage_id
left join {{ ref('stg_lever__users') }} as owner on owner.user_id = o.owner_id
left join {{ ref('stg_lever__postings') }} as p on p.posting_id = o.posting_id
left join {{ ref('stg_lever__archive_reasons') }} as ar on ar.archive_reason_id = o.archive_reason_id
left join current_stage as cs on cs.opportunity_id = o.opportunity_id
left join last_change as lc on lc.opportunity_id = o.opportunity_id
left join interviews as i on i.opportunity_id = o.opportunity_id
left join feedback as f on f.opportunity_id = o.opportunity_id
left join notes as n on n.opportunity_id = o.opportunity_id
left join offers as ofr on ofr.opportunity_id = o.opportunity_id
left join referral_applications as ra on ra.opportunity_id = o.opportunity_id
left join referral_forms as rf on rf.opportunity_id = o.opportunity_id
where not o.is_deleted
