"""The automation decisions the dbt tests' warehouse holds: a rule and a spread of decisions.

Written by the `built_warehouse` fixture before its one dbt build (the sandbox's sync makes no
decisions); `test_automation_mart.py` counts the mart against `DECISIONS`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lever_pipeline.warehouse.tables.automation import automation_decisions, automation_rules
from lever_pipeline.warehouse.tables.writeback import lever_outbox

RULE = "mart-test-rule"
DAY1 = datetime(2026, 11, 30, 15, tzinfo=UTC)
DAY2 = datetime(2026, 12, 1, 9, tzinfo=UTC)

#: (outcome, dry_run, decided_at, hours in stage before the decision, slack, override, outbox failed)
DECISIONS: list[tuple[str, bool, datetime | None, float, str, str | None, bool]] = [
    ("advance", False, DAY1, 30.0, "none", None, False),
    ("advance", False, DAY1, 50.0, "none", None, True),
    ("advance", False, DAY1, 10.0, "none", None, False),
    ("advance", True, DAY1, 20.0, "none", None, False),
    ("notify", False, DAY1, 5.0, "sent", "archive", False),
    ("notify", False, DAY2, 7.0, "sent", "keep", False),
    ("notify", False, DAY2, 9.0, "failed", None, False),
    ("timeout", False, DAY2, 170.0, "pending", None, False),
    ("waiting", False, None, 0.0, "none", None, False),
]


def write_decisions(engine: sa.Engine) -> None:
    """The rule and its decisions, written before the session's dbt build."""
    with engine.begin() as conn:
        rule_id = conn.execute(
            sa.insert(automation_rules).values(name=RULE, definition={"name": RULE}).returning(automation_rules.c.id)
        ).scalar_one()
        for i, (outcome, dry_run, decided, hours, slack, override, failed) in enumerate(DECISIONS):
            entered = (decided or DAY2) - timedelta(hours=hours)
            outbox_id = None
            if outcome in ("advance", "archive") and not dry_run:
                outbox_id = conn.execute(
                    sa.insert(lever_outbox)
                    .values(
                        kind="stage_change",
                        opportunity_id=f"opp-mart-{i}",
                        payload={},
                        idempotency_key=f"mart-test-{i}",
                        status="failed" if failed else "sent",
                    )
                    .returning(lever_outbox.c.id)
                ).scalar_one()
            conn.execute(
                sa.insert(automation_decisions).values(
                    rule_id=rule_id,
                    rule_version=1,
                    opportunity_id=f"opp-mart-{i}",
                    stage_id="stage-mart",
                    stage_entered_at=entered,
                    outcome=outcome,
                    dry_run=dry_run,
                    outbox_id=outbox_id,
                    slack_status=slack,
                    override=override,
                    decided_at=decided,
                    created_at=DAY2 if decided is None else entered,
                )
            )
