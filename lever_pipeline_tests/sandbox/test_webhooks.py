"""Signed webhook deliveries to a real receiver, verified with REFERENCE.md's algorithm."""

from __future__ import annotations

import hashlib
import hmac

from lever_pipeline_tests.fixtures_sandbox import SandboxFactory, eventually
from lever_pipeline_tests.sandbox.support import Receiver, client_for


def verify(signature_token: str, body: dict) -> bool:
    """REFERENCE.md §5, verbatim."""
    p = body
    return (
        hmac.new(signature_token.encode(), f"{p['token']}{p['triggeredAt']}".encode(), hashlib.sha256).hexdigest()
        == (p["signature"])
    )


def test_stage_change_delivery_is_signed_with_the_event_token(
    sandbox_factory: SandboxFactory, receiver: Receiver
) -> None:
    config = {
        "webhook_url": receiver.url + "/webhooks/lever/{event}",
        "webhook_tokens": {"candidateStageChange": "stage-token"},
        "webhook_token": "default-token",
    }
    with sandbox_factory(**config) as sb, client_for(sb) as c:
        opp = c.get("/opportunities", params={"limit": 1}).json()["data"][0]
        c.put(f"/opportunities/{opp['id']}/stage", json={"stage": "offer"})
        path, headers, body = eventually(lambda: receiver.deliveries and receiver.deliveries[0], message="delivery")
        assert eventually(lambda: sb.stats()["webhooks_sent"] == 1)
    assert path == "/webhooks/lever/candidateStageChange"
    assert headers["User-Agent"] == "Lever-Webhooks"
    assert set(body) == {"id", "triggeredAt", "event", "data", "token", "signature"}
    assert body["event"] == "candidateStageChange" and len(body["token"]) == 48
    assert body["data"] == {
        "opportunityId": opp["id"],
        "candidateId": opp["id"],
        "contactId": opp["contact"],
        "toStageId": "offer",
        "fromStageId": opp["stage"],
    }
    assert verify("stage-token", body)
    assert not verify("default-token", body)


def test_hire_emits_archive_change_and_hired_with_the_default_token(
    sandbox_factory: SandboxFactory, receiver: Receiver
) -> None:
    with sandbox_factory(webhook_url=receiver.url + "/hooks", webhook_token="default-token") as sb, client_for(sb) as c:
        opp = next(o for o in c.get("/opportunities").json()["data"] if o["archived"] is None)
        hired = c.get("/archive_reasons", params={"type": "hired"}).json()["data"][0]["id"]
        c.put(f"/opportunities/{opp['id']}/archived", json={"reason": hired})
        eventually(lambda: len(receiver.deliveries) == 2, message="two deliveries")
    bodies = {b["event"]: b for _, _, b in receiver.deliveries}
    assert set(bodies) == {"candidateArchiveChange", "candidateHired"}
    assert all(verify("default-token", b) for b in bodies.values())
    assert bodies["candidateArchiveChange"]["data"]["toArchived"]["reason"] == hired
    assert {p for p, _, _ in receiver.deliveries} == {"/hooks"}
    tokens = {b["token"] for b in bodies.values()}
    assert len(tokens) == 2  # a fresh token per delivery


def test_failed_delivery_is_retried_until_it_succeeds(sandbox_factory: SandboxFactory, receiver: Receiver) -> None:
    receiver.fail_first = 2
    with sandbox_factory(webhook_url=receiver.url, webhook_retry_base_s=0.01) as sb:
        sb.mutate(1, ["application"])
        eventually(lambda: sb.stats()["webhooks_sent"] == 1, message="delivery after retries")
        stats = sb.stats()
    assert receiver.attempts == 3 and stats["webhook_attempts_failed"] == 2 and stats["webhooks_failed"] == 0
    assert receiver.deliveries[0][2]["event"] == "applicationCreated"


def test_delivery_gives_up_after_five_retries(sandbox_factory: SandboxFactory, receiver: Receiver) -> None:
    receiver.fail_first = 100
    with sandbox_factory(webhook_url=receiver.url, webhook_retry_base_s=0.001) as sb:
        sb.mutate(1, ["delete"])
        eventually(lambda: sb.stats()["webhooks_failed"] == 1, message="delivery to be given up")
    assert receiver.attempts == 6


def test_api_registered_webhook_uses_its_own_signature_token(
    sandbox_factory: SandboxFactory, receiver: Receiver
) -> None:
    with sandbox_factory() as sb, client_for(sb) as c:
        hook = c.post("/webhooks", json={"url": receiver.url + "/mine", "event": "interviewCreated"}).json()["data"]
        token = hook["configuration"]["signatureToken"]
        changed = sb.mutate(1, ["interview"])["mutations"][0]
        if changed.get("action") == "updated":  # an existing interview moved instead
            sb.mutate(3, ["interview"])
        path, _, body = eventually(lambda: receiver.deliveries and receiver.deliveries[0], message="delivery")
    assert path == "/mine" and body["event"] == "interviewCreated"
    assert verify(token, body)
    assert {"opportunityId", "interviewId", "panelId"} <= set(body["data"])
