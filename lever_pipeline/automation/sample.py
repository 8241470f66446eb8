"""The demo's sample rule (dry-run) and its one summary line.

The sample is fitted to the synced data: the interview stage with the most completed forms,
the team of its busiest posting, its most used template, and an overall rating of at least 3.
It ships in dry-run, so the demo shows decisions without sending anything to Lever or Slack.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.automation.decisions import evaluate_rules
from lever_pipeline.automation.rules import create_rule, list_rules
from lever_pipeline.automation.stats import automation_stats
from lever_pipeline.warehouse.tables import lever_archive_reasons, lever_opportunities, lever_postings
from lever_pipeline.warehouse.tables.feedback import lever_feedback, lever_interviews

SAMPLE_NAME = "sample: onsite rating at least 3 (dry-run)"


def ensure_sample_rule(engine: Engine) -> bool:
    """Create the sample rule when the warehouse has no rule and enough data to fit one; True if created."""
    if list_rules(engine):
        return False
    f, i, o, p, r = lever_feedback, lever_interviews, lever_opportunities, lever_postings, lever_archive_reasons
    with engine.connect() as conn:
        busiest = conn.execute(
            sa.select(i.c.stage_id, f.c.template_id, sa.func.count().label("n"))
            .join(i, i.c.id == f.c.interview_id)
            .where(f.c.completed_at.isnot(None), i.c.stage_id.isnot(None), f.c.template_id.isnot(None))
            .group_by(i.c.stage_id, f.c.template_id)
            .order_by(sa.desc("n"), i.c.stage_id)
            .limit(1)
        ).one_or_none()
        reason = conn.execute(
            sa.select(r.c.id).where(r.c.type == "non-hired").order_by(r.c.text).limit(1)
        ).scalar_one_or_none()
        team = conn.execute(
            sa.select(p.c.team, sa.func.count().label("n"))
            .join(o, o.c.posting_ids.any(p.c.id))
            .where(p.c.team.isnot(None))
            .group_by(p.c.team)
            .order_by(sa.desc("n"), p.c.team)
            .limit(1)
        ).first()
    if busiest is None or reason is None or team is None:
        return False
    create_rule(
        engine,
        {
            "name": SAMPLE_NAME,
            "stage_id": busiest.stage_id,
            "team": team.team,
            "template_ids": [busiest.template_id],
            "interviewers": 1,
            "thresholds": [{"kind": "overall", "min": 3}],
            "on_fail": {"action": "notify", "archive_reason_id": reason},
            "dry_run": True,
        },
        changed_by="demo",
    )
    return True


def automation_line(engine: Engine) -> str:
    """One line for the demo: rules active (and in dry-run), decisions made by outcome, visits waiting."""
    ensure_sample_rule(engine)
    evaluate_rules(engine, datetime.now(UTC))
    stats = automation_stats(engine)
    rules = list_rules(engine, active_only=True)
    dry = sum(r.definition.dry_run for r in rules)
    made: dict[str, int] = {}
    for entry in stats["rules"]:
        for bucket in ("decisions", "dry_run_decisions"):
            for outcome, n in entry[bucket].items():
                made[outcome] = made.get(outcome, 0) + n
    total = sum(made.values())
    detail = ", ".join(f"{n} {k}" for k, n in sorted(made.items())) or "none"
    return (
        f"Automation: {len(rules)} rule{'s' if len(rules) != 1 else ''} active ({dry} in dry-run), "
        f"{total} decisions made ({detail}), {stats['pending_evaluations']} waiting; `lever-pipeline rules list`."
    )
