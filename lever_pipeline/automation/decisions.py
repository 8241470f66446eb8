"""Recording decisions once per opportunity, rule version and stage visit, and queuing their actions.

Each evaluation upserts the visit's row: while `waiting` it is updated (reason, evaluation
count); the first evaluation that reaches a final outcome switches it, and only a `waiting`
row can switch, so re-evaluating never decides twice. In the same transaction a live
decision queues its Lever write in the write-back outbox (a stage change, or an archive),
keyed by the decision's id: the outbox's idempotency key, retries, circuit breaker, audit
and ambiguous-write checks then make it land exactly once. `perform_as` is the rule's owner
(by email, resolved when the item is sent) or `LEVER_SERVICE_USER_ID`. A notify or timeout
marks the row for one Slack message (`slack.post_pending`). A dry run (global or the rule's)
records what would be sent and queues nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.automation.evaluate import Verdict, Visit, evaluate
from lever_pipeline.automation.rules import Rule, list_rules
from lever_pipeline.automation.visits import current_visits
from lever_pipeline.warehouse.tables import lever_stages
from lever_pipeline.warehouse.tables.automation import automation_decisions
from lever_pipeline.writeback import outbox

VISIT_KEY = ("rule_id", "rule_version", "opportunity_id", "stage_id", "stage_entered_at")


@dataclass
class EvaluationStats:
    """What one evaluation pass did; the asset's metadata."""

    rules: int = 0
    evaluated: int = 0
    outcomes: Counter = field(default_factory=Counter)
    already_decided: int = 0
    dry_run: int = 0
    queued: int = 0

    def as_metadata(self) -> dict[str, int]:
        return {
            "rules_active": self.rules,
            "evaluated": self.evaluated,
            "advanced": self.outcomes["advance"],
            "notified": self.outcomes["notify"],
            "archived": self.outcomes["archive"],
            "timed_out": self.outcomes["timeout"],
            "waiting": self.outcomes["waiting"],
            "already_decided": self.already_decided,
            "dry_run_decisions": self.dry_run,
            "actions_queued": self.queued,
        }


def next_stage(conn: Connection, stage_id: str) -> str | None:
    """The stage after `stage_id` in Lever's stage order, or None at the end (or for an unknown stage)."""
    s = lever_stages
    position = conn.execute(sa.select(s.c.position).where(s.c.id == stage_id)).scalar_one_or_none()
    if position is None:
        return None
    return conn.execute(
        sa.select(s.c.id).where(s.c.position > position).order_by(s.c.position).limit(1)
    ).scalar_one_or_none()


def planned_action(conn: Connection, rule: Rule, visit: Visit, verdict: Verdict) -> dict[str, Any] | None:
    """The write or message a final verdict calls for (ids only)."""
    d = rule.definition
    if verdict.outcome == "advance":
        target = d.on_pass.stage_id or next_stage(conn, visit.stage_id)
        return {"kind": "stage_change", "stage": target} if target else None
    if verdict.outcome == "archive":
        return {"kind": "archive", "reason": d.on_fail.archive_reason_id}
    if verdict.outcome in ("notify", "timeout"):
        return {"kind": "slack", "channel": d.slack_channel}
    return None


def record(
    conn: Connection, rule: Rule, visit: Visit, verdict: Verdict, *, dry_run: bool, default_channel: str | None
) -> tuple[int, bool]:
    """Upsert the visit's decision; returns (decision id, decided now). Queues the action when decided now."""
    d = automation_decisions
    key = {
        "rule_id": rule.id,
        "rule_version": rule.version,
        "opportunity_id": visit.opportunity_id,
        "stage_id": visit.stage_id,
        "stage_entered_at": visit.entered_at,
    }
    values: dict[str, Any] = {
        **key,
        "outcome": verdict.outcome,
        "reason": verdict.reason,
        "checks": verdict.checks_json(),
        "last_feedback_at": verdict.last_feedback_at,
        "dry_run": dry_run,
    }
    action = planned_action(conn, rule, visit, verdict) if verdict.final else None
    if verdict.outcome == "advance" and action is None:
        values |= {"outcome": "notify", "reason": f"{verdict.reason}; no stage follows {visit.stage_id}"}
        action = {"kind": "slack", "channel": rule.definition.slack_channel}
    if verdict.final:
        if action and action["kind"] == "slack":
            action["channel"] = action["channel"] or default_channel
        values |= {"action": action, "decided_at": sa.func.now()}
        if action and action["kind"] == "slack" and not dry_run:
            values |= {"slack_channel": action["channel"], "slack_status": "pending"}
    stmt = insert(d).values(**values)
    update = {c: stmt.excluded[c] for c in values if c not in VISIT_KEY}
    row = conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(VISIT_KEY),
            set_={**update, "evaluations": d.c.evaluations + 1, "updated_at": sa.func.now()},
            where=d.c.outcome == "waiting",
        ).returning(d.c.id, d.c.outcome)
    ).one_or_none()
    if row is None:
        return 0, False
    decided = verdict.final
    if decided and not dry_run and action and action["kind"] in ("stage_change", "archive"):
        payload = {k: v for k, v in action.items() if k != "kind"}
        if rule.definition.owner_email:
            payload["author_email"] = rule.definition.owner_email
        item = outbox.enqueue(
            conn, action["kind"], visit.opportunity_id, payload, idempotency_key=f"automation:{row.id}"
        )
        conn.execute(sa.update(d).where(d.c.id == row.id).values(outbox_id=item.id))
    return row.id, decided


def evaluate_rules(
    engine: Engine, now: datetime, *, global_dry_run: bool = False, default_channel: str | None = None
) -> EvaluationStats:
    """Evaluate every active rule on every opportunity it covers now; record and queue (see module docstring).

    Visits already decided for the rule's current version are skipped after one cheap check.
    """
    stats = EvaluationStats()
    for rule in list_rules(engine, active_only=True):
        stats.rules += 1
        dry_run = global_dry_run or rule.definition.dry_run
        with engine.connect() as conn:
            visits = current_visits(conn, rule.definition)
            decided = _decided_visits(conn, rule)
        for visit in visits:
            if (visit.opportunity_id, visit.entered_at) in decided:
                stats.already_decided += 1
                continue
            verdict = evaluate(rule.definition, visit, now)
            with engine.begin() as conn:
                _, decided_now = record(conn, rule, visit, verdict, dry_run=dry_run, default_channel=default_channel)
            stats.evaluated += 1
            if verdict.final and not decided_now:
                stats.already_decided += 1
                continue
            stats.outcomes[verdict.outcome] += 1
            if decided_now and dry_run:
                stats.dry_run += 1
            elif decided_now and verdict.outcome in ("advance", "archive"):
                stats.queued += 1
    return stats


def _decided_visits(conn: Connection, rule: Rule) -> set[tuple[str, datetime]]:
    d = automation_decisions
    rows = conn.execute(
        sa.select(d.c.opportunity_id, d.c.stage_entered_at).where(
            d.c.rule_id == rule.id, d.c.rule_version == rule.version, d.c.outcome != "waiting"
        )
    )
    return {(r.opportunity_id, r.stage_entered_at) for r in rows}


@dataclass(frozen=True)
class Decision:
    """One decision as read back (API, CLI, tests)."""

    id: int
    rule_id: int
    rule_version: int
    opportunity_id: str
    stage_id: str
    outcome: str
    reason: str | None
    dry_run: bool
    action: dict[str, Any] | None
    outbox_id: int | None
    slack_status: str
    slack_channel: str | None
    slack_ts: str | None
    override: str | None
    evaluations: int


def get_decisions(engine: Engine, *, opportunity_id: str | None = None, rule_id: int | None = None) -> list[Decision]:
    """Decisions by id, optionally for one opportunity or rule."""
    d = automation_decisions
    cols = [d.c[f] for f in Decision.__dataclass_fields__]
    query = sa.select(*cols).order_by(d.c.id)
    if opportunity_id is not None:
        query = query.where(d.c.opportunity_id == opportunity_id)
    if rule_id is not None:
        query = query.where(d.c.rule_id == rule_id)
    with engine.connect() as conn:
        return [Decision(*r) for r in conn.execute(query)]
