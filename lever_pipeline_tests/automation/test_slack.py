"""Slack over real HTTP: one message to the stand-in for a failing score (through the official
client), a signed Archive press archives through the outbox, Keep records the override, and a
forged or stale signature gets 401. The service runs on a socket, on the test database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lever_pipeline.automation.decisions import evaluate_rules, get_decisions
from lever_pipeline.automation.slack import post_pending, slack_client
from lever_pipeline.sandbox.slack import RunningSlack, run_slack_in_thread
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import RunningService, run_service_in_thread
from lever_pipeline_tests.account.sandbox_account import sandbox_settings
from lever_pipeline_tests.automation.conftest import candidacy, rule_for
from lever_pipeline_tests.writeback.conftest import World, api

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "slack-signing-secret"


@pytest.fixture(scope="module")
def slack() -> Iterator[RunningSlack]:
    with run_slack_in_thread(BOT_TOKEN) as running:
        yield running


def settings_for(world: World, slack: RunningSlack, **overrides: Any):
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_base_url": slack.base_url,
        "slack_channel_id": "C0DEFAULT",
        "service_api_token": "test-service-token",
    }
    return sandbox_settings(world.sandbox, **{**values, **overrides})


@pytest.fixture
def service(world: World, slack: RunningSlack) -> Iterator[RunningService]:
    with run_service_in_thread(create_app(settings_for(world, slack), world.engine)) as running:
        yield running


def failing(world: World) -> Any:
    c = candidacy(world)
    a, b = world.active_user(0)["id"], world.active_user(1)["id"]
    iv = c.interview(a, b)
    now = datetime.now(UTC)
    c.form(a, now - timedelta(hours=2), interview=iv)
    c.form(b, now - timedelta(hours=2), interview=iv, overall="2 - No Hire")
    return c, rule_for(world, c)


def press(service: RunningService, decision_id: int, action: str, **kw: Any):
    payload = {
        "type": "block_actions",
        "user": {"id": "U0RECRUITER"},
        "actions": [{"action_id": action, "value": str(decision_id)}],
    }
    return RunningSlack.interact(f"{service.url}/slack/interactions", kw.pop("secret", SIGNING_SECRET), payload, **kw)


def test_failing_score_sends_one_slack_message(world: World, slack: RunningSlack) -> None:
    c, rule = failing(world)
    client = slack_client(settings_for(world, slack))
    before = len(slack.messages())

    for _ in range(3):
        evaluate_rules(world.engine, datetime.now(UTC))
        post_pending(world.engine, client)

    new = slack.messages()[before:]
    assert len(new) == 1
    message = new[0]
    assert message["channel"] == "C0RECRUIT"
    assert c.opportunity_id in message["blocks"][0]["text"]["text"]  # the Lever profile link
    assert "❌" in message["blocks"][2]["text"]["text"] and "needs ≥ 3" in message["blocks"][2]["text"]["text"]
    [d] = get_decisions(world.engine, rule_id=rule.id)
    assert d.outcome == "notify" and d.slack_status == "sent" and d.slack_ts == message["ts"]
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0


def test_signed_archive_press_archives_through_the_outbox(
    world: World, slack: RunningSlack, service: RunningService
) -> None:
    c, rule = failing(world)
    evaluate_rules(world.engine, datetime.now(UTC))
    post_pending(world.engine, slack_client(settings_for(world, slack)))
    [d] = get_decisions(world.engine, rule_id=rule.id)

    first = press(service, d.id, "automation_archive")
    again = press(service, d.id, "automation_archive")

    assert first.status_code == 200 and first.json()["action"] == "archive"
    assert again.status_code == 200 and again.json()["action"] == "already"
    assert world.scalar("SELECT count(*) FROM lever_outbox WHERE kind = 'archive'") == 1
    assert world.send(("archive",)).totals()["sent"] == 1
    archived = api(world.sandbox, f"/opportunities/{c.opportunity_id}")["archived"]
    assert archived["reason"] == rule.definition.on_fail.archive_reason_id
    [updated] = [m for m in slack.messages() if m["ts"] == d.slack_ts]
    assert updated.get("edited") and "Archiving" in updated["text"]
    assert get_decisions(world.engine, rule_id=rule.id)[0].override == "archive"


def test_keep_records_the_override_and_queues_nothing(
    world: World, slack: RunningSlack, service: RunningService
) -> None:
    _, rule = failing(world)
    evaluate_rules(world.engine, datetime.now(UTC))
    post_pending(world.engine, slack_client(settings_for(world, slack)))
    [d] = get_decisions(world.engine, rule_id=rule.id)

    assert press(service, d.id, "automation_keep").json()["action"] == "keep"
    assert get_decisions(world.engine, rule_id=rule.id)[0].override == "keep"
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0


@pytest.mark.parametrize(
    "forgery",
    [
        {"secret": "not-the-secret"},
        {"timestamp": int(time.time()) - 6 * 60},
        {"headers": {"X-Slack-Signature": "v0=" + "0" * 64}},
        {"headers": {"X-Slack-Request-Timestamp": "yesterday"}},
    ],
    ids=["forged", "stale", "bad-signature", "bad-timestamp"],
)
def test_forged_or_stale_interactions_get_401(
    world: World, slack: RunningSlack, service: RunningService, forgery: dict
) -> None:
    _, rule = failing(world)
    evaluate_rules(world.engine, datetime.now(UTC))
    [d] = get_decisions(world.engine, rule_id=rule.id)

    answer = press(service, d.id, "automation_archive", **forgery)

    assert answer.status_code == 401
    assert get_decisions(world.engine, rule_id=rule.id)[0].override is None
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0


def test_dry_run_posts_nothing_to_slack(world: World, slack: RunningSlack) -> None:
    c = candidacy(world)
    a = world.active_user(0)["id"]
    iv = c.interview(a)
    c.form(a, datetime.now(UTC) - timedelta(hours=2), interview=iv, culture="no")
    rule_for(world, c, dry_run=True)
    before = len(slack.messages())

    evaluate_rules(world.engine, datetime.now(UTC))
    stats = post_pending(world.engine, slack_client(settings_for(world, slack)))

    assert stats.sent == 0 and len(slack.messages()) == before


def test_stand_in_answers_with_slacks_errors(slack: RunningSlack) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    bad = WebClient(token="xoxb-wrong", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as err:
        bad.chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "invalid_auth"
    good = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    for call, code in [
        (lambda: good.chat_postMessage(channel="nowhere", text="hi"), "channel_not_found"),
        (lambda: good.chat_postMessage(channel="C1"), "no_text"),
        (lambda: good.chat_update(channel="C1", ts="1.000001", text="x"), "message_not_found"),
    ]:
        with pytest.raises(SlackApiError) as err:
            call()
        assert err.value.response["error"] == code


def test_interactions_without_a_signing_secret_answer_503_naming_the_setting(world: World, slack: RunningSlack) -> None:
    settings = settings_for(world, slack, slack_signing_secret=None)
    with run_service_in_thread(create_app(settings, world.engine)) as running:
        answer = press(running, 1, "automation_archive")
    assert answer.status_code == 503
    assert "SLACK_SIGNING_SECRET" in answer.text
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0
