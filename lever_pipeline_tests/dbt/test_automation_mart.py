"""`marts/automation_decisions_daily` against the decisions of `automation_rows.py`, counted here in Python.

The sandbox's sync makes no decisions, so the session's warehouse gets a rule and a spread
of decisions of its own before its one dbt build (`write_decisions`, called by the
`built_warehouse` fixture): outcomes, dry-run, Slack states, overrides, one action the
outbox failed to deliver. A rebuild of its own cost the suite a minute and a half.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest

from lever_pipeline_tests.dbt.automation_rows import DAY2, DECISIONS, RULE
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt


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


def test_decisions_per_day_rule_outcome_and_mode_match_the_rows(built_warehouse: BuiltWarehouse) -> None:
    rule_id = built_warehouse.scalar("SELECT id FROM automation_rules WHERE name = :name", name=RULE)
    rows = built_warehouse.rows("SELECT * FROM analytics.automation_decisions_daily WHERE rule_id = :id", id=rule_id)
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
    assert {r.rule_name for r in rows} == {RULE}
    assert got == _expected(rule_id)
