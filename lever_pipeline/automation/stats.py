"""Automation figures for `GET /automation/stats`: decisions by outcome per rule, what waits, what failed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.warehouse.tables.automation import automation_decisions, automation_rules
from lever_pipeline.warehouse.tables.writeback import lever_outbox


def automation_stats(engine: Engine) -> dict[str, Any]:
    """Per rule: decisions by outcome (live and dry-run), waiting visits, failed actions, Slack sent and acted on."""
    d, r, o = automation_decisions, automation_rules, lever_outbox
    with engine.connect() as conn:
        rules = conn.execute(sa.select(r.c.id, r.c.name, r.c.version, r.c.status).order_by(r.c.id)).all()
        by_outcome = conn.execute(
            sa.select(d.c.rule_id, d.c.outcome, d.c.dry_run, sa.func.count()).group_by(
                d.c.rule_id, d.c.outcome, d.c.dry_run
            )
        ).all()
        slack = conn.execute(
            sa.select(
                d.c.rule_id,
                sa.func.count().filter(d.c.slack_status == "sent"),
                sa.func.count().filter(d.c.slack_status == "failed"),
                sa.func.count().filter(d.c.override.isnot(None)),
            ).group_by(d.c.rule_id)
        ).all()
        failed = conn.execute(
            sa.select(d.c.rule_id, sa.func.count())
            .join(o, o.c.id == d.c.outbox_id)
            .where(o.c.status == "failed")
            .group_by(d.c.rule_id)
        ).all()
    per: dict[int, dict[str, Any]] = {
        x.id: {
            "rule_id": x.id,
            "name": x.name,
            "version": x.version,
            "status": x.status,
            "decisions": {},
            "dry_run_decisions": {},
            "pending_evaluations": 0,
            "actions_failed": 0,
            "slack_sent": 0,
            "slack_failed": 0,
            "slack_acted_on": 0,
        }
        for x in rules
    }
    for rule_id, outcome, dry, count in by_outcome:
        entry = per[rule_id]
        if outcome == "waiting":
            entry["pending_evaluations"] += count
        else:
            bucket = entry["dry_run_decisions" if dry else "decisions"]
            bucket[outcome] = bucket.get(outcome, 0) + count
    for rule_id, sent, slack_failed, acted in slack:
        per[rule_id] |= {"slack_sent": sent, "slack_failed": slack_failed, "slack_acted_on": acted}
    for rule_id, count in failed:
        per[rule_id]["actions_failed"] = count
    rows = list(per.values())
    totals = {
        k: sum(x[k] for x in rows) for k in ("pending_evaluations", "actions_failed", "slack_sent", "slack_acted_on")
    }
    return {"rules": rows, "rules_active": sum(x["status"] == "active" for x in rows), **totals}
