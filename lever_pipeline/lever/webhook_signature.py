"""Verifying a Lever webhook delivery, exactly as Lever signs it (REFERENCE.md §5).

Lever puts the signature in the JSON body, not in a header:
`signature = hex(HMAC_SHA256(key=signatureToken, msg=token + str(triggeredAt)))`, with a
fresh 48-character `token` per delivery and `triggeredAt` in epoch milliseconds. The raw
body is not signed, so the body's `event` is checked against the event type the
delivery was addressed to, and `triggeredAt` must lie within a tolerance of now
(replays of an old, validly signed delivery are refused; a replay inside the window is
a duplicate the store ignores). Pure functions: no I/O, no settings, no logging.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: Every event type Lever sends (REFERENCE.md §5); anything else is refused.
LEVER_EVENTS: frozenset[str] = frozenset(
    {
        "applicationCreated",
        "candidateHired",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateDeleted",
        "interviewCreated",
        "interviewUpdated",
        "interviewDeleted",
        "contactCreated",
        "contactUpdated",
    }
)

_HEX = frozenset(string.hexdigits)


class WebhookRejected(ValueError):
    """A delivery that must not be stored; `status` is the HTTP answer and the message the reason.

    The reason never contains the token, the signature or any payload data.
    """

    def __init__(self, status: Literal[400, 401], reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class VerifiedDelivery:
    """A delivery whose signature and age were checked; what the store keeps."""

    event_type: str
    event_uid: str | None
    token: str
    triggered_at_ms: int
    opportunity_id: str | None
    payload: Mapping[str, Any]

    @property
    def dedupe_key(self) -> str:
        """Lever's event id when present (stable across redeliveries), else the delivery token."""
        return f"id:{self.event_uid}" if self.event_uid else f"token:{self.token}"


def sign(signature_token: str, token: str, triggered_at_ms: int) -> str:
    """Lever's signature of one delivery: hex HMAC-SHA256 of `token + str(triggeredAt)`."""
    return hmac.new(signature_token.encode(), f"{token}{triggered_at_ms}".encode(), hashlib.sha256).hexdigest()


def _string(payload: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = payload.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise WebhookRejected(400, f"`{key}` must be a non-empty string")
    return value


def verify_delivery(
    payload: object,
    event_type: str,
    signature_token: str | None,
    *,
    now_ms: int,
    tolerance_s: int,
) -> VerifiedDelivery:
    """Check one parsed delivery addressed to `event_type`; return it, or raise `WebhookRejected`.

    400: not a JSON object, a missing or mistyped field, an unknown event type, or a body
    whose `event` differs from `event_type`. 401: no signing token configured for the
    event, no `signature`, a signature that does not match, or a `triggeredAt` more than
    `tolerance_s` seconds away from `now_ms` (either direction).
    """
    if event_type not in LEVER_EVENTS:
        raise WebhookRejected(400, f"unknown event type {event_type!r}")
    if not isinstance(payload, Mapping):
        raise WebhookRejected(400, "the body must be a JSON object")
    body_event = _string(payload, "event", required=True)
    if body_event != event_type:
        raise WebhookRejected(400, f"the body's event {body_event!r} does not match the URL's {event_type!r}")
    token = _string(payload, "token", required=True)
    event_uid = _string(payload, "id", required=False)
    triggered_at = payload.get("triggeredAt")
    if not isinstance(triggered_at, int) or isinstance(triggered_at, bool) or triggered_at <= 0:
        raise WebhookRejected(400, "`triggeredAt` must be a positive integer (epoch milliseconds)")
    data = payload.get("data", {})
    if not isinstance(data, Mapping):
        raise WebhookRejected(400, "`data` must be a JSON object")

    if not signature_token:
        raise WebhookRejected(401, f"no signature token is configured for {event_type}; refusing to accept it unsigned")
    signature = payload.get("signature")
    if signature is None:
        raise WebhookRejected(401, "the delivery is unsigned (no `signature`)")
    if not isinstance(signature, str) or len(signature) != 64 or not _HEX.issuperset(signature):
        raise WebhookRejected(401, "`signature` is not a hex SHA-256 digest")
    expected = sign(signature_token, token, triggered_at)  # type: ignore[arg-type]
    if not hmac.compare_digest(expected, signature.lower()):
        raise WebhookRejected(401, "the signature does not match (forged, or signed with another token)")
    age_s = (now_ms - triggered_at) / 1000.0
    if abs(age_s) > tolerance_s:
        when = "old" if age_s > 0 else "in the future"
        raise WebhookRejected(
            401, f"stale delivery: triggeredAt is {abs(age_s):.0f} s {when} (tolerance {tolerance_s} s)"
        )

    opportunity = data.get("opportunityId")
    return VerifiedDelivery(
        event_type=event_type,
        event_uid=event_uid,
        token=token,  # type: ignore[arg-type]
        triggered_at_ms=triggered_at,
        opportunity_id=opportunity if isinstance(opportunity, str) and opportunity else None,
        payload=payload,
    )
