"""The Lever outbox: queued writes and their state machine.

An item moves `pending -> sending -> sent | failed` (or `cancelled` when its draft is edited).
Claiming takes one due item with `SELECT ... FOR UPDATE SKIP LOCKED` and marks it `sending`
under a claim token and a lease in the same transaction, so two job runs started at once
never hold the same item. A failed attempt goes back to `pending` with the next attempt
after 1, 5, 15, 30 then 60 minutes; after `MAX_ATTEMPTS` it is `failed`. An attempt whose
request may have reached Lever sets `ambiguous`, and the sender checks Lever before sending
that item again. An item left `sending` past its lease (a crashed run) is claimable again,
as ambiguous.

Every transition is recorded in the audit trail (`audit`) in the same transaction.
Writes asked for from outside (`known_opportunity=True`) are refused for an opportunity the
warehouse does not have, at once, rather than failing at submit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.writeback import feedback_drafts, lever_outbox
from lever_pipeline.writeback.audit import audit

BACKOFF_MINUTES = (1, 5, 15, 30, 60)
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)
WRITE_KINDS = ("note", "add_tags", "remove_tags", "stage_change", "archive", "file")
FEEDBACK_KINDS = ("feedback",)


class UnknownOpportunity(LookupError):
    """The warehouse has no live opportunity with this id (never synced, or deleted in Lever)."""

    def __init__(self, opportunity_id: str) -> None:
        super().__init__(
            f"no candidate {opportunity_id!r} in the warehouse; writes are only taken for candidates "
            "it has synced (sync first if the candidate is new)"
        )
        self.opportunity_id = opportunity_id


def require_opportunity(conn: Connection, opportunity_id: str) -> None:
    """Raise `UnknownOpportunity` unless the warehouse has this opportunity and it is not deleted."""
    o = lever_opportunities
    found = conn.execute(
        sa.select(sa.literal(1)).where(o.c.id == opportunity_id, o.c.deleted_at.is_(None))
    ).one_or_none()
    if found is None:
        raise UnknownOpportunity(opportunity_id)


@dataclass(frozen=True)
class OutboxItem:
    """One queued write as read from `lever_outbox`."""

    id: int
    kind: str
    opportunity_id: str
    draft_id: int | None
    payload: dict[str, Any]
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    ambiguous: bool
    claim_token: str | None
    lever_result_id: str | None
    last_error: str | None
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The item for the API and CLI, without the payload (which may hold text or file bytes)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "opportunity_id": self.opportunity_id,
            "draft_id": self.draft_id,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "ambiguous": self.ambiguous,
            "lever_result_id": self.lever_result_id,
            "last_error": self.last_error,
        }


def _item(row: Any) -> OutboxItem:
    return OutboxItem(**{f: getattr(row, f) for f in OutboxItem.__dataclass_fields__})


_COLUMNS = [lever_outbox.c[f] for f in OutboxItem.__dataclass_fields__]


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 5, 15, 30, then 60 minutes."""
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


def enqueue(
    conn: Connection,
    kind: str,
    opportunity_id: str,
    payload: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
    draft_id: int | None = None,
    run_id: str | None = None,
    known_opportunity: bool = False,
) -> OutboxItem:
    """Queue one write; with a key already queued, return the existing item unchanged.

    `known_opportunity=True` (requests from outside) first raises `UnknownOpportunity` for
    an opportunity the warehouse does not have.
    """
    if known_opportunity:
        require_opportunity(conn, opportunity_id)
    key = idempotency_key or f"{kind}:{uuid.uuid4()}"
    stmt = (
        insert(lever_outbox)
        .values(kind=kind, opportunity_id=opportunity_id, payload=dict(payload), idempotency_key=key, draft_id=draft_id)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(*_COLUMNS)
    )
    row = conn.execute(stmt).one_or_none()
    if row is None:
        return _item(conn.execute(sa.select(*_COLUMNS).where(lever_outbox.c.idempotency_key == key)).one())
    item = _item(row)
    audit(conn, "queued", item=item, summary={"opportunity_id": opportunity_id}, run_id=run_id)
    return item


def get_item(engine: Engine, item_id: int) -> OutboxItem | None:
    """One item by id, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(*_COLUMNS).where(lever_outbox.c.id == item_id)).one_or_none()
    return _item(row) if row else None


def list_items(
    engine: Engine, *, status: str | None = None, kinds: Sequence[str] | None = None, limit: int = 100
) -> list[OutboxItem]:
    """Items oldest first, optionally of one status and some kinds (the CLI's listing)."""
    o = lever_outbox
    query = sa.select(*_COLUMNS).order_by(o.c.id).limit(limit)
    if status:
        query = query.where(o.c.status == status)
    if kinds:
        query = query.where(o.c.kind.in_(list(kinds)))
    with engine.connect() as conn:
        return [_item(r) for r in conn.execute(query)]


def _due(kinds: Sequence[str], now: datetime) -> sa.ColumnElement[bool]:
    o = lever_outbox
    return sa.and_(
        o.c.kind.in_(list(kinds)),
        sa.or_(
            sa.and_(o.c.status == "pending", o.c.next_attempt_at <= now),
            sa.and_(o.c.status == "sending", o.c.claimed_until < now),
        ),
    )


def due_items(engine: Engine, kinds: Sequence[str], now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Items a run would claim now, oldest first (read-only: dry runs and sensors)."""
    query = sa.select(*_COLUMNS).where(_due(kinds, now)).order_by(lever_outbox.c.id).limit(limit)
    with engine.connect() as conn:
        return [_item(r) for r in conn.execute(query)]


def claim(
    engine: Engine,
    kinds: Sequence[str],
    now: datetime,
    run_id: str,
    *,
    item_id: int | None = None,
    ignore_schedule: bool = False,
) -> OutboxItem | None:
    """Take one due item for sending (or item `item_id`), or None when nothing is due.

    The row is locked with SKIP LOCKED and switched to `sending` under a fresh claim token
    in one transaction: a concurrent claimer skips it while locked and cannot match it after.
    A `sending` item whose lease ran out is taken as ambiguous (its run may have sent it).
    """
    o = lever_outbox
    condition = _due(kinds, now) if not ignore_schedule else o.c.status == "pending"
    if item_id is not None:
        condition = sa.and_(condition, o.c.id == item_id)
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(o.c.id, o.c.status).where(condition).order_by(o.c.id).limit(1).with_for_update(skip_locked=True)
        ).one_or_none()
        if row is None:
            return None
        token = f"{run_id}:{uuid.uuid4().hex[:8]}"
        claimed = conn.execute(
            sa.update(o)
            .where(o.c.id == row.id)
            .values(
                status="sending",
                claim_token=token,
                claimed_until=now + LEASE,
                attempts=o.c.attempts + 1,
                ambiguous=sa.or_(o.c.ambiguous, sa.literal(row.status == "sending")),
                updated_at=sa.func.now(),
            )
            .returning(*_COLUMNS)
        ).one()
        return _item(claimed)


def _finish(conn: Connection, item: OutboxItem, **values: Any) -> bool:
    o = lever_outbox
    done = conn.execute(
        sa.update(o)
        .where(o.c.id == item.id, o.c.claim_token == item.claim_token)
        .values(claim_token=None, claimed_until=None, updated_at=sa.func.now(), **values)
    ).rowcount
    return done == 1


def _draft(conn: Connection, item: OutboxItem, **values: Any) -> None:
    if item.draft_id is not None:
        d = feedback_drafts
        conn.execute(
            sa.update(d)
            .where(d.c.id == item.draft_id, d.c.status == "approved")
            .values(updated_at=sa.func.now(), **values)
        )


def mark_sent(
    engine: Engine,
    item: OutboxItem,
    lever_result_id: str | None,
    *,
    action: str = "sent",
    summary: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> None:
    """The item reached Lever (sent now, or found there after an ambiguous attempt)."""
    with engine.begin() as conn:
        _finish(
            conn,
            item,
            status="sent",
            lever_result_id=lever_result_id,
            sent_at=sa.func.now(),
            ambiguous=False,
            last_error=None,
        )
        _draft(
            conn,
            item,
            status="submitted",
            lever_feedback_id=lever_result_id,
            submitted_at=sa.func.now(),
            last_error=None,
        )
        audit(conn, action, item=item, summary=summary, outcome=lever_result_id, run_id=run_id)


def mark_failed(
    engine: Engine,
    item: OutboxItem,
    reason: str,
    *,
    action: str = "failed",
    summary: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> None:
    """The item cannot be sent (a rule it breaks, or out of attempts); its draft fails with the reason."""
    with engine.begin() as conn:
        _finish(conn, item, status="failed", last_error=reason)
        _draft(conn, item, status="failed", last_error=reason)
        audit(conn, action, item=item, summary=summary, outcome=reason, run_id=run_id)


def schedule_retry(
    engine: Engine,
    item: OutboxItem,
    reason: str,
    now: datetime,
    *,
    ambiguous: bool,
    summary: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> bool:
    """Back to `pending` after the backoff, or `failed` once attempts run out; True when a retry was scheduled."""
    if item.attempts >= MAX_ATTEMPTS:
        mark_failed(engine, item, f"gave up after {item.attempts} attempts: {reason}", summary=summary, run_id=run_id)
        return False
    at = now + backoff(item.attempts)
    with engine.begin() as conn:
        _finish(
            conn,
            item,
            status="pending",
            next_attempt_at=at,
            last_error=reason,
            ambiguous=item.ambiguous or ambiguous,
        )
        audit(
            conn,
            "retry_scheduled",
            item=item,
            summary=summary,
            outcome=f"{reason}; next attempt at {at.isoformat()}",
            run_id=run_id,
        )
    return True


def release(engine: Engine, item: OutboxItem, reason: str, *, action: str, run_id: str | None = None) -> None:
    """Give the item back untouched (this attempt is not counted): nothing was sent, and it was not the item's fault."""
    o = lever_outbox
    with engine.begin() as conn:
        _finish(conn, item, status="pending", attempts=o.c.attempts - 1, last_error=reason)
        audit(conn, action, item=item, outcome=reason, run_id=run_id)


def retry_now(engine: Engine, item_id: int, now: datetime) -> OutboxItem | None:
    """Put a `failed` item back in the queue with fresh attempts (its draft back to `approved`); None if not failed."""
    o = lever_outbox
    with engine.begin() as conn:
        row = conn.execute(
            sa.update(o)
            .where(o.c.id == item_id, o.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now, updated_at=sa.func.now())
            .returning(*_COLUMNS)
        ).one_or_none()
        if row is None:
            return None
        item = _item(row)
        if item.draft_id is not None:
            d = feedback_drafts
            conn.execute(
                sa.update(d)
                .where(d.c.id == item.draft_id, d.c.status == "failed")
                .values(status="approved", last_error=None, updated_at=sa.func.now())
            )
        audit(conn, "requeued", item=item)
        return item
