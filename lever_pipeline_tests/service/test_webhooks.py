"""The webhook receiver over real HTTP: each kind of bad delivery gets its status and a reason,
good ones are stored exactly once."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever.webhook_signature import sign
from lever_pipeline.sandbox.webhooks import sign as sandbox_sign
from lever_pipeline.service.webhooks import MAX_BODY_BYTES
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events
from lever_pipeline_tests.service.conftest import SHARED_SECRET, STAGE_TOKEN, TOLERANCE_S, delivery, post_delivery


def stored(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(lever_webhook_events).order_by(lever_webhook_events.c.id)).all()


def test_signature_matches_lever_reference_formula() -> None:
    # REFERENCE.md §5: hex(HMAC_SHA256(key=signatureToken, msg=token + str(triggeredAt))), as the sandbox signs.
    assert sign("key", "abc", 1431454330072) == sandbox_sign("key", "abc", 1431454330072)
    assert sign("key", "abc", 1431454330072) != sign("key", "abc", 1431454330073)


def test_webhook_valid_delivery_is_stored(http: httpx.Client, clean_engine: Engine) -> None:
    body = delivery(data={"opportunityId": "opp-1", "toStageId": "offer", "fromStageId": "lead-new"})
    r = post_delivery(http, "candidateStageChange", body)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "stored"
    (row,) = stored(clean_engine)
    assert (row.event_type, row.opportunity_id, row.event_uid) == ("candidateStageChange", "opp-1", body["id"])
    assert row.payload == body
    assert row.processed_at is None and row.claimed_by_run is None


def test_webhook_event_with_only_the_shared_secret_is_accepted(http: httpx.Client, clean_engine: Engine) -> None:
    r = post_delivery(http, "candidateHired", delivery("candidateHired", token=SHARED_SECRET))
    assert r.status_code == 200, r.text
    assert len(stored(clean_engine)) == 1


def _stale(minutes: float) -> dict[str, Any]:
    return delivery(triggered_at=int((time.time() - minutes * 60) * 1000))


BAD: list[tuple[str, str, Any, int, str]] = [
    ("forged", "candidateStageChange", lambda: delivery(signature="0" * 64), 401, "does not match"),
    ("wrong token", "candidateStageChange", lambda: delivery(token="some-other-webhooks-token"), 401, "does not match"),
    (
        "stage token on another event",
        "candidateHired",
        lambda: delivery("candidateHired", token=STAGE_TOKEN),
        401,
        "does not match",
    ),
    (
        "wrong event type",
        "candidateStageChange",
        lambda: delivery("candidateHired", token=STAGE_TOKEN),
        400,
        "does not match the URL",
    ),
    ("replayed stale", "candidateStageChange", lambda: _stale(TOLERANCE_S / 60 + 5), 401, "stale"),
    ("from the future", "candidateStageChange", lambda: _stale(-(TOLERANCE_S / 60 + 5)), 401, "stale"),
    ("unsigned", "candidateStageChange", lambda: delivery(token=None), 401, "unsigned"),
    ("signature not hex", "candidateStageChange", lambda: delivery(signature="xyz"), 401, "not a hex"),
    ("malformed json", "candidateStageChange", lambda: b'{"id": "x", "event": ', 400, "not valid JSON"),
    ("not an object", "candidateStageChange", lambda: b"[1, 2, 3]", 400, "JSON object"),
    ("no token field", "candidateStageChange", lambda: {**delivery(), "token": None}, 400, "`token`"),
    ("triggeredAt text", "candidateStageChange", lambda: delivery(triggeredAt="yesterday"), 400, "triggeredAt"),
    ("unknown event type", "candidateTeleported", lambda: delivery("candidateTeleported"), 400, "unknown event"),
    (
        "NUL in JSON",
        "candidateStageChange",
        lambda: delivery(data={"opportunityId": "o", "x": "\u0000"}),
        400,
        "stored",
    ),
    ("huge body", "candidateStageChange", lambda: delivery(data={"x": "a" * MAX_BODY_BYTES}), 413, "body over"),
]


@pytest.mark.parametrize(("event", "body", "status", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_webhook_bad_delivery_is_refused_with_reason(
    http: httpx.Client, clean_engine: Engine, event: str, body: Any, status: int, reason: str
) -> None:
    r = post_delivery(http, event, body())
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]
    assert stored(clean_engine) == []


def test_webhook_huge_body_without_content_length_is_refused(http: httpx.Client, clean_engine: Engine) -> None:
    def chunks():
        yield b'{"data": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"a" * 1024
        yield b'"}'

    r = http.post("/webhooks/lever/candidateStageChange", content=chunks())  # chunked: no Content-Length
    assert r.status_code == 413
    assert stored(clean_engine) == []


def test_webhook_duplicate_delivery_is_stored_once(http: httpx.Client, clean_engine: Engine) -> None:
    body = delivery()
    first = post_delivery(http, "candidateStageChange", body)
    again = post_delivery(http, "candidateStageChange", body)
    # Lever may re-run a delivery with a fresh token: the event id still identifies it.
    resent = post_delivery(http, "candidateStageChange", delivery(event_id=body["id"]))
    assert [r.status_code for r in (first, again, resent)] == [200, 200, 200]
    assert [r.json()["status"] for r in (first, again, resent)] == ["stored", "duplicate", "duplicate"]
    assert len(stored(clean_engine)) == 1


def test_webhook_delivery_without_id_is_deduplicated_by_token(http: httpx.Client, clean_engine: Engine) -> None:
    body = delivery()
    del body["id"]
    assert post_delivery(http, "candidateStageChange", body).json()["status"] == "stored"
    assert post_delivery(http, "candidateStageChange", body).json()["status"] == "duplicate"
    (row,) = stored(clean_engine)
    assert row.event_uid is None and row.dedupe_key == f"token:{body['token']}"


def test_webhook_test_delivery_with_empty_data_is_stored(http: httpx.Client, clean_engine: Engine) -> None:
    r = post_delivery(http, "candidateStageChange", delivery(data={}))
    assert r.status_code == 200
    (row,) = stored(clean_engine)
    assert row.opportunity_id is None


def test_health_reports_unprocessed_events_without_auth(http: httpx.Client, clean_engine: Engine) -> None:
    empty = http.get("/health").json()
    assert empty["warehouse"] == "reachable" and empty["unprocessed_events"] == 0
    assert empty["last_event_received_at"] is None and empty["oldest_unprocessed_event_age_s"] is None
    post_delivery(http, "candidateStageChange", delivery(event_id=str(uuid.uuid4())))
    health = http.get("/health").json()
    assert health["unprocessed_events"] == 1
    assert health["last_event_received_at"] is not None
    assert health["oldest_unprocessed_event_age_s"] >= 0
