-- One row per day x rule x outcome x dry-run: the advancement decisions the rules made that
-- day (a waiting decision counts on the day it was first recorded, a final one on the day it
-- was decided), the recruiter overrides from Slack, the Slack messages sent or failed, the
-- actions the outbox failed to deliver, and the median hours from entering the stage to the
-- decision. What GET /automation/stats shows now, kept over time.
with decisions as (
    select
        d.rule_id,
        d.outcome,
        d.dry_run,
        d.override,
        d.slack_status,
        o.status as outbox_status,
        (coalesce(d.decided_at, d.created_at) at time zone 'UTC')::date as day,
        extract(epoch from (d.decided_at - d.stage_entered_at)) / 3600.0 as hours_to_decision
    from {{ source('lever_raw', 'automation_decisions') }} as d
    left join {{ lever_child_table('automation_decisions', 'lever_outbox') }} as o on o.id = d.outbox_id
)

select
    d.day,
    d.rule_id,
    r.name as rule_name,
    d.outcome,
    d.dry_run,
    count(*) as decisions,
    count(*) filter (where d.override = 'archive') as overridden_archive,
    count(*) filter (where d.override = 'keep') as overridden_keep,
    count(*) filter (where d.slack_status = 'sent') as slack_sent,
    count(*) filter (where d.slack_status = 'failed') as slack_failed,
    count(*) filter (where d.outbox_status = 'failed') as actions_failed,
    percentile_cont(0.5) within group (order by d.hours_to_decision) as median_hours_to_decision
from decisions as d
inner join {{ lever_child_table('automation_decisions', 'automation_rules') }} as r on r.id = d.rule_id
group by d.day, d.rule_id, r.name, d.outcome, d.dry_run
