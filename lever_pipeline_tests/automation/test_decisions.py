"""Live evaluation on real PostgreSQL, actions through the outbox to the sandbox over HTTP:
advance once whatever the re-evaluations and faults, the wait, the timeout, dry-run, versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lever_pipeline.automation.decisions import evaluate_rules, get_decisions
from lever_pipeline.automation.rules import RuleError, disable_rule, get_rule, update_rule
from lever_pipeline_tests.automation.conftest import candidacy, rule_for
from lever_pipeline_tests.writeback.conftest import Clock, World, api, make_world


def now() -> datetime:
    return datetime.now(UTC)


def passing(world: World, **rule: object):
    c = candidacy(world)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    iv = c.interview(a, b)
    c.form(a, now() - timedelta(hours=2), interview=iv)
    c.form(b, now() - timedelta(hours=1), interview=iv)
    return c, rule_for(world, c, **rule)


def test_rule_advances_once_through_the_outbox_even_after_a_commit_then_500(
    sandbox_factory, clean_engine, warehouse_resource
) -> None:
    with sandbox_factory(write_fault="commit-then-500") as sb:
        world = make_world(sb, clean_engine, warehouse_resource)
        c, rule = passing(world)

        stats = [evaluate_rules(world.engine, now()) for _ in range(3)]

        assert [s.outcomes["advance"] for s in stats] == [1, 0, 0]
        assert stats[1].already_decided == 1 and stats[2].already_decided == 1
        [decision] = get_decisions(world.engine, rule_id=rule.id)
        assert decision.outcome == "advance" and decision.outbox_id is not None and not decision.dry_run
        assert decision.action == {"kind": "stage_change", "stage": c.next_stage}
        clock = Clock()
        first = world.send(("stage_change",), clock=clock)
        assert first.kind("stage_change").retried == 1  # the write landed, the answer was a 500
        clock.advance(2)
        second = world.send(("stage_change",), clock=clock)
        assert second.kind("stage_change").reconciled == 1
        assert sb.stats()["writes"].get("stage", 0) == 1
        assert api(sb, f"/opportunities/{c.opportunity_id}")["stage"] == c.next_stage
        assert world.scalar("SELECT count(*) FROM lever_outbox") == 1


def test_rule_waits_after_the_last_feedback_then_decides(world: World) -> None:
    c = candidacy(world)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    iv = c.interview(a, b)
    c.form(a, now() - timedelta(hours=3), interview=iv)
    rule = rule_for(world, c, wait_minutes=30)

    assert evaluate_rules(world.engine, now()).outcomes["waiting"] == 1  # one of two interviewers
    c.form(b, now() - timedelta(minutes=5), interview=iv)
    assert evaluate_rules(world.engine, now()).outcomes["waiting"] == 1  # complete, inside the wait
    [waiting] = get_decisions(world.engine, rule_id=rule.id)
    assert waiting.outcome == "waiting" and waiting.evaluations == 2 and "waiting 30 min" in (waiting.reason or "")

    later = evaluate_rules(world.engine, now() + timedelta(minutes=26))
    assert later.outcomes["advance"] == 1
    [decided] = get_decisions(world.engine, rule_id=rule.id)
    assert decided.id == waiting.id and decided.outcome == "advance" and decided.evaluations == 3


def test_rule_times_out_without_complete_feedback(world: World) -> None:
    c = candidacy(world, days_in_stage=3)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    iv = c.interview(a, b)
    c.form(a, now() - timedelta(days=2), interview=iv)
    rule = rule_for(world, c, timeout_days=7)

    assert evaluate_rules(world.engine, now()).outcomes["waiting"] == 1
    stats = evaluate_rules(world.engine, now() + timedelta(days=4, minutes=1))
    assert stats.outcomes["timeout"] == 1
    [d] = get_decisions(world.engine, rule_id=rule.id)
    assert d.outcome == "timeout" and d.slack_status == "pending" and d.outbox_id is None
    assert "feedback from 1 of 2 interviewers" in (d.reason or "")


def test_canceled_interviews_do_not_make_their_interviewers_required(world: World) -> None:
    c = candidacy(world)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    c.interview(b, canceled=True)
    iv = c.interview(a)
    c.form(a, now() - timedelta(hours=1), interview=iv)
    rule_for(world, c)
    assert evaluate_rules(world.engine, now()).outcomes["advance"] == 1


def test_failing_score_archives_through_the_outbox_when_the_rule_says_so(world: World) -> None:
    c = candidacy(world)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    iv = c.interview(a, b)
    c.form(a, now() - timedelta(hours=2), interview=iv)
    c.form(b, now() - timedelta(hours=2), interview=iv, culture="no")
    rule = rule_for(world, c)
    rule = update_rule(
        world.engine, rule.id, {"on_fail": {**rule.definition.on_fail.model_dump(), "action": "archive"}}
    )

    assert evaluate_rules(world.engine, now()).outcomes["archive"] == 1
    [d] = get_decisions(world.engine, rule_id=rule.id)
    assert d.action == {"kind": "archive", "reason": rule.definition.on_fail.archive_reason_id}
    result = world.send(("archive",))
    assert result.totals()["sent"] == 1
    archived = api(world.sandbox, f"/opportunities/{c.opportunity_id}")["archived"]
    assert archived["reason"] == rule.definition.on_fail.archive_reason_id


def test_dry_run_records_what_would_be_sent_and_sends_nothing(world: World) -> None:
    c, rule = passing(world, dry_run=True)
    before = world.sandbox.stats()["requests_total"]

    stats = evaluate_rules(world.engine, now())
    world.send(("stage_change", "archive"))

    assert stats.outcomes["advance"] == 1 and stats.dry_run == 1 and stats.queued == 0
    [d] = get_decisions(world.engine, rule_id=rule.id)
    assert d.dry_run and d.outbox_id is None and d.action == {"kind": "stage_change", "stage": c.next_stage}
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0
    assert world.sandbox.stats()["requests_total"] == before


def test_global_dry_run_overrides_a_live_rule(world: World) -> None:
    _, _rule = passing(world)
    stats = evaluate_rules(world.engine, now(), global_dry_run=True)
    assert stats.dry_run == 1 and world.scalar("SELECT count(*) FROM lever_outbox") == 0


def test_every_change_is_a_new_version_and_a_new_version_decides_again(world: World) -> None:
    _c, rule = passing(world, dry_run=True)
    evaluate_rules(world.engine, now())
    live = update_rule(world.engine, rule.id, {"dry_run": False})
    assert live.version == 2

    stats = evaluate_rules(world.engine, now())

    assert stats.queued == 1
    versions = [(d.rule_version, d.dry_run) for d in get_decisions(world.engine, rule_id=rule.id)]
    assert versions == [(1, True), (2, False)]
    off = disable_rule(world.engine, rule.definition.name)
    assert off.version == 3 and off.status == "disabled" and get_rule(world.engine, rule.id).status == "disabled"
    assert evaluate_rules(world.engine, now()).rules == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"posting_id": None}, "exactly one of posting_id, team or department"),
        ({"thresholds": [{"kind": "score", "field": "x"}]}, "needs min"),
        ({"thresholds": [{"kind": "yes_no"}]}, "names its field"),
        ({"wait_minutes": -1}, "wait_minutes"),
        ({"interviewers": 0}, "interviewers"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_rules_are_refused_with_one_line(world: World, change: dict, message: str) -> None:
    _c, rule = passing(world)
    with pytest.raises(RuleError, match=message):
        update_rule(world.engine, rule.id, change)
    assert get_rule(world.engine, rule.id).version == 1
