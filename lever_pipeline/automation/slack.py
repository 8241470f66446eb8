"""Slack for the decisions a person must make: one message per failing or timed-out visit, and its buttons.

A message names the candidate, the posting, the stage, each interviewer's scores against the
thresholds, and links to the Lever profile, with "Archive" and "Keep" buttons whose value is
the decision's id. It is posted through the official client (`slack_sdk.WebClient`; its
`base_url` points at the sandbox's stand-in in development). The candidate's name goes to
Slack only, never to logs or metadata. `post_pending` takes one pending decision at a time
under a row lock (SKIP LOCKED), so two evaluations never post the same message.

An interaction (`handle_interaction`) is verified by the caller (`verify_signature`, Slack's
v0 HMAC of `v0:timestamp:body`, at most 5 minutes old). "Archive" queues the archive through
the write-back outbox (keyed by the decision, so a repeated click queues one write) with the
rule's archive reason and updates the message; "Keep" records the override.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Connection, Engine

from lever_pipeline.automation.rules import rule_version
from lever_pipeline.settings import Settings
from lever_pipeline.warehouse.tables import lever_opportunities, lever_postings, lever_stages, lever_users
from lever_pipeline.warehouse.tables.automation import automation_decisions
from lever_pipeline.writeback import outbox

logger = logging.getLogger(__name__)

LEVER_PROFILE = "https://hire.lever.co/candidates/{id}"
ARCHIVE, KEEP = "automation_archive", "automation_keep"


def slack_client(settings: Settings) -> WebClient:
    """The Slack Web API client for these settings (the bot token is read here, never logged)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base = str(settings.slack_base_url) if settings.slack_base_url else WebClient.BASE_URL
    return WebClient(token=token, base_url=base if base.endswith("/") else base + "/", timeout=30)


def verify_signature(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Whether the request is Slack's: a v0 signature of `v0:timestamp:body`, timestamp within 5 minutes."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    return SignatureVerifier(secret).is_valid(body, timestamp, signature)


def _names(conn: Connection, decision: Any) -> dict[str, Any]:
    o, p, s, u = lever_opportunities, lever_postings, lever_stages, lever_users
    opp = conn.execute(
        sa.select(
            o.c.raw["name"].astext.label("name"), o.c.posting_ids, o.c.raw["urls"]["show"].astext.label("url")
        ).where(o.c.id == decision.opportunity_id)
    ).one_or_none()
    postings = list(opp.posting_ids or []) if opp else []
    posting = conn.execute(sa.select(p.c.text).where(p.c.id.in_(postings))).scalars().first() if postings else None
    stage = conn.execute(sa.select(s.c.text).where(s.c.id == decision.stage_id)).scalar_one_or_none()
    user_ids = sorted({c["user_id"] for c in decision.checks or [] if c.get("user_id")})
    users = dict(conn.execute(sa.select(u.c.id, u.c.name).where(u.c.id.in_(user_ids))).tuples().all())
    return {
        "candidate": (opp.name if opp and opp.name else decision.opportunity_id),
        "url": (opp.url if opp and opp.url else LEVER_PROFILE.format(id=decision.opportunity_id)),
        "posting": posting or (postings[0] if postings else "unknown posting"),
        "stage": stage or decision.stage_id,
        "users": users,
    }


def _score_lines(decision: Any, users: dict[str, str]) -> list[str]:
    lines = []
    for c in decision.checks or []:
        who = users.get(c.get("user_id") or "", c.get("user_id") or "someone")
        want = "yes" if c["kind"] == "yes_no" else f"≥ {c['min']:g}"
        mark = "✅" if c["passed"] else "❌"
        lines.append(f"{mark} {who}: {c['field_id']} = {c['value']} (needs {want})")
    return lines


def build_message(conn: Connection, decision: Any) -> tuple[str, list[dict[str, Any]]]:
    """The text and blocks of a decision's message."""
    n = _names(conn, decision)
    headline = "timed out waiting for feedback" if decision.outcome == "timeout" else "did not pass"
    text = f"{n['candidate']} ({n['posting']}, {n['stage']}) {headline}: {decision.reason}"
    scores = "\n".join(_score_lines(decision, n["users"])) or "no scores"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{n['url']}|{n['candidate']}>* {headline}"}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"{n['posting']} · {n['stage']} · {decision.reason}"}],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": scores}},
        {
            "type": "actions",
            "block_id": f"decision-{decision.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": ARCHIVE,
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Archive"},
                    "value": str(decision.id),
                },
                {
                    "type": "button",
                    "action_id": KEEP,
                    "text": {"type": "plain_text", "text": "Keep"},
                    "value": str(decision.id),
                },
            ],
        },
    ]
    return text, blocks


@dataclass
class PostStats:
    sent: int = 0
    failed: int = 0


def post_pending(engine: Engine, client: WebClient, *, limit: int = 100) -> PostStats:
    """Post every pending decision message once; a Slack error marks the decision `failed` with Slack's code."""
    d = automation_decisions
    stats = PostStats()
    for _ in range(limit):
        with engine.begin() as conn:
            row = conn.execute(
                sa.select(d)
                .where(d.c.slack_status == "pending")
                .order_by(d.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).one_or_none()
            if row is None:
                break
            text, blocks = build_message(conn, row)
            try:
                answer = client.chat_postMessage(channel=row.slack_channel or "", text=text, blocks=blocks)
            except (SlackApiError, SlackClientError) as err:
                code = err.response.get("error") if isinstance(err, SlackApiError) else type(err).__name__
                conn.execute(sa.update(d).where(d.c.id == row.id).values(slack_status="failed", slack_error=str(code)))
                logger.warning("Slack refused the message of decision %s: %s", row.id, code)
                stats.failed += 1
                continue
            conn.execute(
                sa.update(d)
                .where(d.c.id == row.id)
                .values(slack_status="sent", slack_ts=answer["ts"], slack_channel=answer["channel"], slack_error=None)
            )
            stats.sent += 1
    return stats


class InteractionError(ValueError):
    """An interaction that cannot be acted on; the message is shown to the user."""


@dataclass(frozen=True)
class InteractionResult:
    decision_id: int
    action: str  # archive | keep | already
    outbox_id: int | None = None


def handle_interaction(engine: Engine, client: WebClient, payload: dict[str, Any]) -> InteractionResult:
    """Act on a verified block-actions payload: Archive queues the archive, Keep records the override."""
    try:
        action = payload["actions"][0]
        decision_id = int(action["value"])
        action_id = action["action_id"]
        user = str(payload.get("user", {}).get("id") or "unknown")
    except (KeyError, IndexError, TypeError, ValueError):
        raise InteractionError("not a block-actions payload from an automation message") from None
    if action_id not in (ARCHIVE, KEEP):
        raise InteractionError(f"unknown action {action_id!r}")
    d = automation_decisions
    override = "archive" if action_id == ARCHIVE else "keep"
    with engine.begin() as conn:
        row = conn.execute(sa.select(d).where(d.c.id == decision_id).with_for_update()).one_or_none()
        if row is None:
            raise InteractionError(f"no decision {decision_id}")
        if row.override is not None:
            return InteractionResult(decision_id, "already")
        item_id = None
        if override == "archive":
            rule = rule_version(engine, row.rule_id, row.rule_version)
            if rule is None:
                raise InteractionError(f"the rule of decision {decision_id} no longer exists")
            payload_out: dict[str, Any] = {"reason": rule.on_fail.archive_reason_id}
            if rule.owner_email:
                payload_out["author_email"] = rule.owner_email
            item = outbox.enqueue(
                conn, "archive", row.opportunity_id, payload_out, idempotency_key=f"automation:{decision_id}:archive"
            )
            item_id = item.id
        conn.execute(
            sa.update(d)
            .where(d.c.id == decision_id)
            .values(override=override, override_by=user, override_at=sa.func.now(), outbox_id=item_id or row.outbox_id)
        )
        text, blocks = build_message(conn, row)
    if row.slack_ts and row.slack_channel:
        done = "Archiving (queued to Lever)" if override == "archive" else "Kept"
        summary = [*blocks[:3], {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{done} by <@{user}>"}]}]
        try:
            client.chat_update(channel=row.slack_channel, ts=row.slack_ts, text=f"{done}: {text}", blocks=summary)
        except (SlackApiError, SlackClientError) as err:
            logger.warning("Slack refused the update of decision %s: %s", decision_id, type(err).__name__)
    return InteractionResult(decision_id, override, item_id)
