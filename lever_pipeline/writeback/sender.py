"""Sending queued writes to Lever exactly once: validation, perform_as, reconciliation, breaker.

`send_pending` claims due outbox items one at a time (see `outbox.claim`) and, per item:
builds the request (feedback is validated against the template as Lever has it now, through
the TTL cache; `perform_as` is the interviewer's or author's Lever user found by email, else
`LEVER_SERVICE_USER_ID`); when an earlier attempt was ambiguous, looks in Lever for the
write before sending it again; sends it with a single HTTP attempt (the client's own retries
would resend a POST whose first try may have landed); and records the outcome.

Outcomes: success -> `sent`; a rule the item breaks (template, Lever's 400/404, no user to
act as) -> `failed` at once; 5xx, timeouts and dropped connections -> retry with backoff,
marked ambiguous; 429 -> retry; 401/403 -> the item is handed back untouched and the run
stops (`WritebackResult.auth_error`). Five failures in a row open the circuit breaker
(kept in the database), which stops every run until its cool-down ends. A dry run claims
nothing, sends nothing and writes one audit row per item saying what it would send.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import (
    LeverAuthError,
    LeverError,
    LeverNotFound,
    LeverRateLimitError,
    LeverServerError,
    LeverTransportError,
    LeverValidationError,
)
from lever_pipeline.lever.feedback_validation import validate_field_values
from lever_pipeline.sync.template_cache import DEFAULT_TTL_SECONDS, get_feedback_template
from lever_pipeline.sync.template_store import WarehouseTemplateStore
from lever_pipeline.warehouse.tables.core import lever_users
from lever_pipeline.writeback import outbox
from lever_pipeline.writeback.drafts import get_draft
from lever_pipeline.writeback.outbox import OutboxItem

logger = logging.getLogger(__name__)

REQUIRES_PERFORM_AS = frozenset({"feedback", "file"})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WritebackOptions:
    """How one run sends."""

    service_user_id: str | None = None
    dry_run: bool = False
    max_items: int = 100
    template_ttl_seconds: float = DEFAULT_TTL_SECONDS
    circuit_threshold: int = outbox.CIRCUIT_THRESHOLD
    circuit_cooldown: timedelta = outbox.CIRCUIT_COOLDOWN
    run_id: str = "manual"
    clock: Callable[[], datetime] = _now


@dataclass
class KindStats:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    reconciled: int = 0
    would_send: int = 0


@dataclass(frozen=True)
class ItemOutcome:
    """What happened to one item; `reason` is fit to show a recruiter."""

    outbox_id: int
    kind: str
    status: str  # sent | reconciled | failed | retry_scheduled | auth_failed | dry_run | circuit_open
    reason: str | None = None
    lever_id: str | None = None
    draft_id: int | None = None


@dataclass
class WritebackResult:
    """What a run did, per kind, plus why it stopped early (if it did)."""

    per_kind: dict[str, KindStats] = field(default_factory=dict)
    outcomes: list[ItemOutcome] = field(default_factory=list)
    would_send: list[dict[str, Any]] = field(default_factory=list)
    circuit_open: bool = False
    circuit_open_until: datetime | None = None
    auth_error: str | None = None

    def kind(self, kind: str) -> KindStats:
        return self.per_kind.setdefault(kind, KindStats())

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for stats in self.per_kind.values():
            for name, value in asdict(stats).items():
                out[name] = out.get(name, 0) + value
        return out


class PermanentFailure(Exception):
    """The item can never be sent as it stands; the message names what is wrong."""


@dataclass(frozen=True)
class PreparedWrite:
    """The request one item becomes."""

    method: str
    path: str
    json: dict[str, Any] | None
    files: dict[str, tuple[str, bytes, str]] | None
    perform_as: str | None
    summary: dict[str, Any]  # ids and kinds only: goes to audit rows and run metadata


def resolve_perform_as(engine: Engine, email: str | None, service_user_id: str | None) -> tuple[str | None, str | None]:
    """(user id, source): the active Lever user with `email` (any case), else the service user, else (None, None)."""
    if email:
        u = lever_users
        with engine.connect() as conn:
            uid = conn.execute(
                sa.select(u.c.id)
                .where(sa.func.lower(u.c.email) == email.strip().lower(), u.c.deactivated_at.is_(None))
                .order_by(u.c.id)
                .limit(1)
            ).scalar_one_or_none()
        if uid:
            return uid, "email"
    if service_user_id:
        return service_user_id, "service_user"
    return None, None


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


async def prepare(
    client: LeverClient, engine: Engine, store: WarehouseTemplateStore, item: OutboxItem, options: WritebackOptions
) -> PreparedWrite:
    """The request for `item`; raises PermanentFailure naming what makes it unsendable."""
    p = item.payload
    opp = item.opportunity_id
    email = p.get("author_email")
    summary: dict[str, Any] = {"outbox_id": item.id, "kind": item.kind, "opportunity_id": opp}
    body: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    if item.kind == "feedback":
        draft = get_draft(engine, int(p["draft_id"]))
        if draft is None:
            raise PermanentFailure(f"feedback draft {p['draft_id']} no longer exists")
        email = draft.interviewer_email
        template = await get_feedback_template(
            client, store, draft.template_id, ttl_seconds=options.template_ttl_seconds
        )
        if template is None:
            raise PermanentFailure(f"feedback template {draft.template_id} no longer exists in Lever")
        errors = validate_field_values(template, draft.field_values)
        if errors:
            changed = template.get("updatedAt")
            seen = draft.template_updated_at
            note = (
                "the template changed since the draft was made; "
                if seen is not None and isinstance(changed, int) and changed != _ms(seen)
                else ""
            )
            raise PermanentFailure(f"{note}invalid feedback: " + "; ".join(str(e) for e in errors))
        body = {
            "baseTemplateId": draft.template_id,
            "fieldValues": draft.field_values,
            # A fixed, past createdAt marks this submission so an ambiguous attempt can be found again.
            "createdAt": _ms(item.created_at),
        }
        if draft.panel_id and draft.interview_id:
            body["panel"], body["interview"] = draft.panel_id, draft.interview_id
        path = f"/opportunities/{opp}/feedback"
        summary |= {"draft_id": draft.id, "template_id": draft.template_id, "fields": len(draft.field_values)}
        method = "POST"
    elif item.kind == "note":
        body = {"value": p["value"], "secret": bool(p.get("secret", False)), "createdAt": _ms(item.created_at)}
        if p.get("score") is not None:
            body["score"] = p["score"]
        method, path = "POST", f"/opportunities/{opp}/notes"
    elif item.kind in ("add_tags", "remove_tags"):
        body = {"tags": list(p["tags"])}
        method = "POST"
        path = f"/opportunities/{opp}/{'addTags' if item.kind == 'add_tags' else 'removeTags'}"
        summary["tags"] = len(body["tags"])
    elif item.kind == "stage_change":
        body = {"stage": p["stage"]}
        method, path = "PUT", f"/opportunities/{opp}/stage"
        summary["stage"] = p["stage"]
    elif item.kind == "archive":
        body = {"reason": p.get("reason")}
        method, path = "PUT", f"/opportunities/{opp}/archived"
        summary["reason"] = p.get("reason")
    elif item.kind == "file":
        content = base64.b64decode(p["content_b64"])
        files = {"file": (p["filename"], content, p.get("content_type") or "application/octet-stream")}
        method, path = "POST", f"/opportunities/{opp}/files"
        summary["bytes"] = len(content)
    else:
        raise PermanentFailure(f"unknown write kind {item.kind!r}")
    perform_as, source = resolve_perform_as(engine, email, options.service_user_id)
    if perform_as is None and item.kind in REQUIRES_PERFORM_AS:
        who = "no Lever user has the interviewer's email" if email else "no interviewer email is set"
        raise PermanentFailure(f"cannot choose perform_as: {who} and LEVER_SERVICE_USER_ID is not set")
    summary |= {"method": method, "path": path, "perform_as": perform_as, "perform_as_source": source}
    return PreparedWrite(method, path, body, files, perform_as, summary)


async def _all(client: LeverClient, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async for page in client.paginate(path):
        out.extend(page)
    return out


async def find_in_lever(client: LeverClient, item: OutboxItem, req: PreparedWrite) -> str | None:
    """The Lever id of `item`'s write if Lever already has it (after an ambiguous attempt), else None."""
    opp = item.opportunity_id
    body = req.json or {}
    if item.kind == "feedback":
        for form in await _all(client, f"/opportunities/{opp}/feedback"):
            if (
                form.get("baseTemplateId") == body["baseTemplateId"]
                and form.get("createdAt") == body["createdAt"]
                and form.get("user") == req.perform_as
                and not form.get("deletedAt")
            ):
                return str(form["id"])
        return None
    if item.kind == "note":
        for note in await _all(client, f"/opportunities/{opp}/notes"):
            values = [f.get("value") for f in note.get("fields") or []]
            if note.get("createdAt") == body["createdAt"] and body["value"] in values:
                return str(note["id"])
        return None
    if item.kind == "file":
        name, content, _ = (req.files or {})["file"]
        for f in await _all(client, f"/opportunities/{opp}/files"):
            if (
                f.get("name") == name
                and f.get("size") == len(content)
                and (f.get("uploadedAt") or 0) >= _ms(item.created_at)
            ):
                return str(f["id"])
        return None
    current = await client.get(f"/opportunities/{opp}")
    if current is None:
        return None
    tags = set(current.get("tags") or [])
    found = {
        "add_tags": lambda: set(body["tags"]) <= tags,
        "remove_tags": lambda: not (set(body["tags"]) & tags),
        "stage_change": lambda: current.get("stage") == body["stage"],
        "archive": lambda: (current.get("archived") or {}).get("reason") == body["reason"],
    }[item.kind]()
    return opp if found else None


@contextmanager
def _single_attempt(client: LeverClient) -> Iterator[None]:
    # The client retries 5xx and dropped connections; for a write that would resend a request
    # that may already have landed. Writes get one attempt; the outbox schedules the retry.
    before = client.max_attempts
    client.max_attempts = 1
    try:
        yield
    finally:
        client.max_attempts = before


def _result_id(kind: str, opp: str, data: dict[str, Any] | None) -> str:
    if kind in ("feedback", "note", "file") and data:
        return str(data.get("id") or data.get("noteId"))
    return opp


async def _process(
    client: LeverClient,
    engine: Engine,
    store: WarehouseTemplateStore,
    item: OutboxItem,
    options: WritebackOptions,
    result: WritebackResult,
) -> ItemOutcome:
    stats = result.kind(item.kind)
    run_id = options.run_id

    def outcome(status: str, reason: str | None = None, lever_id: str | None = None) -> ItemOutcome:
        out = ItemOutcome(item.id, item.kind, status, reason, lever_id, item.draft_id)
        result.outcomes.append(out)
        return out

    try:
        req = await prepare(client, engine, store, item, options)
    except PermanentFailure as err:
        outbox.mark_failed(engine, item, str(err), action="validation_failed", run_id=run_id)
        stats.failed += 1
        return outcome("failed", str(err))
    except LeverAuthError as err:
        outbox.release(engine, item, str(err), action="auth_failed", run_id=run_id)
        result.auth_error = str(err)
        return outcome("auth_failed", str(err))
    except LeverError as err:
        return await _transient(engine, item, options, result, f"could not prepare the write: {err}", ambiguous=False)
    try:
        if item.ambiguous:
            found = await find_in_lever(client, item, req)
            if found is not None:
                outbox.mark_sent(engine, item, found, action="found_in_lever", summary=req.summary, run_id=run_id)
                outbox.circuit_success(engine)
                stats.reconciled += 1
                return outcome("reconciled", "an earlier attempt had reached Lever; not sent again", found)
        with _single_attempt(client):
            data = await client.write(req.method, req.path, json=req.json, perform_as=req.perform_as, files=req.files)
    except LeverAuthError as err:
        outbox.release(engine, item, str(err), action="auth_failed", run_id=run_id)
        result.auth_error = str(err)
        return outcome("auth_failed", str(err))
    except (LeverValidationError, LeverNotFound) as err:
        reason = f"Lever rejected the write ({err.status}): {err.lever_message or err}"
        outbox.mark_failed(engine, item, reason, action="rejected", summary=req.summary, run_id=run_id)
        stats.failed += 1
        return outcome("failed", reason)
    except LeverRateLimitError as err:
        return await _transient(engine, item, options, result, str(err), ambiguous=False, summary=req.summary)
    except (LeverServerError, LeverTransportError) as err:
        return await _transient(engine, item, options, result, str(err), ambiguous=True, summary=req.summary)
    except LeverError as err:
        outbox.mark_failed(engine, item, str(err), action="rejected", summary=req.summary, run_id=run_id)
        stats.failed += 1
        return outcome("failed", str(err))
    lever_id = _result_id(item.kind, item.opportunity_id, data)
    outbox.mark_sent(engine, item, lever_id, summary=req.summary, run_id=run_id)
    outbox.circuit_success(engine)
    stats.sent += 1
    return outcome("sent", None, lever_id)


async def _transient(
    engine: Engine,
    item: OutboxItem,
    options: WritebackOptions,
    result: WritebackResult,
    reason: str,
    *,
    ambiguous: bool,
    summary: dict[str, Any] | None = None,
) -> ItemOutcome:
    now = options.clock()
    stats = result.kind(item.kind)
    retried = outbox.schedule_retry(
        engine, item, reason, now, ambiguous=ambiguous, summary=summary, run_id=options.run_id
    )
    if retried:
        stats.retried += 1
    else:
        stats.failed += 1
    state = outbox.circuit_failure(
        engine, now, threshold=options.circuit_threshold, cooldown=options.circuit_cooldown, run_id=options.run_id
    )
    if state.is_open(now):
        result.circuit_open, result.circuit_open_until = True, state.open_until
    out = ItemOutcome(item.id, item.kind, "retry_scheduled" if retried else "failed", reason, None, item.draft_id)
    result.outcomes.append(out)
    return out


async def _dry_run(
    client: LeverClient, engine: Engine, kinds: Sequence[str], options: WritebackOptions
) -> WritebackResult:
    result = WritebackResult()
    store = WarehouseTemplateStore(engine)
    for item in outbox.due_items(engine, kinds, options.clock(), options.max_items):
        stats = result.kind(item.kind)
        try:
            req = await prepare(client, engine, store, item, options)
        except PermanentFailure as err:
            summary = {"outbox_id": item.id, "kind": item.kind, "opportunity_id": item.opportunity_id}
            verdict, reason = "would fail", str(err)
        else:
            summary, verdict, reason = req.summary, "would send", None
            stats.would_send += 1
        stats.skipped += 1
        with engine.begin() as conn:
            outbox.audit(conn, "dry_run", item=item, summary=summary, outcome=reason or verdict, run_id=options.run_id)
        result.would_send.append({**summary, "verdict": verdict})
        result.outcomes.append(ItemOutcome(item.id, item.kind, "dry_run", reason, None, item.draft_id))
    return result


async def send_pending(
    client: LeverClient, engine: Engine, kinds: Sequence[str], options: WritebackOptions
) -> WritebackResult:
    """Send up to `options.max_items` due items of `kinds`; see the module docstring for outcomes."""
    if options.dry_run:
        return await _dry_run(client, engine, kinds, options)
    result = WritebackResult()
    now = options.clock()
    state = outbox.circuit_state(engine, now)
    if state.is_open(now):
        result.circuit_open, result.circuit_open_until = True, state.open_until
        with engine.begin() as conn:
            outbox.audit(
                conn, "circuit_open", outcome=f"no sends until {state.open_until.isoformat()}", run_id=options.run_id
            )
        return result
    store = WarehouseTemplateStore(engine)
    for _ in range(options.max_items):
        item = outbox.claim(engine, kinds, options.clock(), options.run_id)
        if item is None:
            break
        await _process(client, engine, store, item, options, result)
        if result.auth_error or result.circuit_open:
            break
    totals = result.totals()
    logger.info(
        "write-back %s: %d sent, %d found in Lever, %d failed, %d retries scheduled%s",
        ",".join(kinds),
        totals.get("sent", 0),
        totals.get("reconciled", 0),
        totals.get("failed", 0),
        totals.get("retried", 0),
        "; circuit open" if result.circuit_open else "",
    )
    return result


async def submit_now(client: LeverClient, engine: Engine, item_id: int, options: WritebackOptions) -> ItemOutcome:
    """Send one queued item at once (the service's submit route), whatever its schedule says.

    Returns the outcome with a reason; an item another run is sending is reported as such.
    """
    now = options.clock()
    state = outbox.circuit_state(engine, now)
    if state.is_open(now):
        until = state.open_until.isoformat() if state.open_until else "later"
        return ItemOutcome(
            item_id, "", "circuit_open", f"Lever writes are paused after repeated failures until {until}"
        )
    item = outbox.claim(
        engine, outbox.FEEDBACK_KINDS + outbox.WRITE_KINDS, now, options.run_id, item_id=item_id, ignore_schedule=True
    )
    if item is None:
        current = outbox.get_item(engine, item_id)
        status = current.status if current else "missing"
        return ItemOutcome(
            item_id,
            current.kind if current else "",
            status,
            current.last_error if current else "no such outbox item",
            current.lever_result_id if current else None,
            current.draft_id if current else None,
        )
    result = WritebackResult()
    return await _process(client, engine, WarehouseTemplateStore(engine), item, options, result)
