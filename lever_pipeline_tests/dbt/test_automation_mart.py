"""`marts/automation_decisions_daily` against decisions written here, counted here in Python.

The sandbox's sync makes no decisions, so the test records a rule and a spread of decisions
of its own (outcomes, dry-run, Slack states, overrides, one action the outbox failed to
deliver), rebuilds the mart, compares, and takes them out again.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from lever_pipeline.defs.dbt import build_dbt_assets, dbt_resource
from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.warehouse.tables.automation import automation_decisions, automation_rules
from lever_pipeline.warehouse.tables.writeback import lever_outbox
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

MART = dg.AssetKey(["marts", "automation_decisions_daily"])
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


def _write(wh: BuiltWarehouse) -> int:
    with wh.engine.begin() as conn:
        rule_id = conn.execute(
            sa.insert(automation_rules)
            .values(name="mart-test-rule", definition={"name": "mart-test-rule"})
            .returning(automation_rules.c.id)
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
    return rule_id


def _expected(rule_id: int) -> dict[tuple[Any, ...], dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[tuple[str, bool, datetime | None, float, str, str | None, bool]]] = defaultdict(
        list
    )
    for d in DECISIONS:
        outcome, dry_run, decided = d[0], d[1], d[2]
        groups[((decided or DAY2).date(), rule_id, outcome, dry_run)].append(d)
    out = {}
    for key, ds in groups.items():
        decided = [d for d in ds if d[2] is not None]
        out[key] = {
            "decisions": len(ds),
            "overridden_archive": sum(d[5] == "archive" for d in ds),
            "overridden_keep": sum(d[5] == "keep" for d in ds),
            "slack_sent": sum(d[4] == "sent" for d in ds),
            "slack_failed": sum(d[4] == "failed" for d in ds),
            "actions_failed": sum(d[6] for d in ds),
            "median_hours_to_decision": statistics.median(d[3] for d in decided) if decided else None,
        }
    return out


@pytest.fixture
def decisions(built_warehouse: BuiltWarehouse, test_database_url: URL) -> Iterator[int]:
    resources = {
        "dbt": dbt_resource(),
        "warehouse": WarehouseResource(url=test_database_url.render_as_string(hide_password=False)),
    }
    rule_id = _write(built_warehouse)
    try:
        assert dg.materialize([build_dbt_assets()], selection=[MART], resources=resources).success
        yield rule_id
    finally:  # the other tests share this warehouse
        with built_warehouse.engine.begin() as conn:
            conn.execute(sa.delete(automation_rules).where(automation_rules.c.id == rule_id))
            conn.execute(sa.delete(lever_outbox).where(lever_outbox.c.idempotency_key.like("mart-test-%")))
        dg.materialize([build_dbt_assets()], selection=[MART], resources=resources)


def test_decisions_per_day_rule_outcome_and_mode_match_the_rows(
    built_warehouse: BuiltWarehouse, decisions: int
) -> None:
    rows = built_warehouse.rows(
        "SELECT * FROM analytics.automation_decisions_daily WHERE rule_id = :rule_id", rule_id=decisions
    )
    got = {
        (r.day, r.rule_id, r.outcome, r.dry_run): {
            "decisions": r.decisions,
            "overridden_archive": r.overridden_archive,
            "overridden_keep": r.overridden_keep,
            "slack_sent": r.slack_sent,
            "slack_failed": r.slack_failed,
            "actions_failed": r.actions_failed,
            "median_hours_to_decision": None
            if r.median_hours_to_decision is None
            else round(float(r.median_hours_to_decision), 6),
        }
        for r in rows
    }
    assert {r.rule_name for r in rows} == {"mart-test-rule"}
    assert got == _expected(decisions)
