"""Sending queued writes to Lever exactly once: outcomes, retries, the circuit breaker, dry runs.

`send_pending` claims due outbox items one at a time (see `outbox.claim`) and, per item:
prepares the write (`prepare`: validation against the template, `perform_as`); when an
earlier attempt was ambiguous, looks in Lever for the write before sending it again
(`writes.find_landed`); sends it with a single HTTP attempt (the client's own retries would
resend a POST whose first try may have landed); and records the outcome.

Outcomes: success -> `sent`; a rule the item breaks (template, Lever's 400/404, no user to
act as) -> `failed` at once; 5xx, timeouts and dropped connections -> retry with backoff,
marked ambiguous; 429 -> retry; 401/403 -> the item is handed back untouched and the run
stops (`WritebackResult.auth_error`). Five failures in a row open the circuit breaker
(`circuit`), which stops every run until its cool-down ends. A dry run claims nothing,
sends nothing and writes one audit row per item saying what it would send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from lever_pipeline.lever import writes
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
from lever_pipeline.sync.template_cache import DEFAULT_TTL_SECONDS
from lever_pipeline.sync.template_store import WarehouseTemplateStore
from lever_pipeline.writeback import circuit, outbox
from lever_pipeline.writeback.audit import audit
from lever_pipeline.writeback.outbox import OutboxItem
from lever_pipeline.writeback.prepare import PermanentFailure, PreparedWrite, base_summary, prepare

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WritebackOptions:
    """How one run sends."""

    service_user_id: str | None = None
    dry_run: bool = False
    max_items: int = 100
    template_ttl_seconds: float = DEFAULT_TTL_SECONDS
    circuit_threshold: int = circuit.THRESHOLD
    circuit_cooldown: timedelta = circuit.COOLDOWN
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


class _Run:
    """One run's collaborators and tally; `process` takes one claimed item to its outcome."""

    def __init__(self, client: LeverClient, engine: Engine, options: WritebackOptions) -> None:
        self.client = client
        self.engine = engine
        self.options = options
        self.store = WarehouseTemplateStore(engine)
        self.result = WritebackResult()

    async def prepare(self, item: OutboxItem) -> PreparedWrite:
        return await prepare(
            self.client,
            self.engine,
            self.store,
            item,
            service_user_id=self.options.service_user_id,
            template_ttl_seconds=self.options.template_ttl_seconds,
        )

    async def process(self, item: OutboxItem) -> ItemOutcome:
        """Prepare, reconcile or send, and record what happened; Lever's errors become outcomes."""
        try:
            req = await self.prepare(item)
        except PermanentFailure as err:
            return self._failed(item, str(err), action="validation_failed")
        except LeverAuthError as err:
            return self._auth_failed(item, err)
        except LeverError as err:
            return self._transient(item, f"could not prepare the write: {err}", ambiguous=False)
        try:
            return await self._deliver(item, req)
        except LeverAuthError as err:
            return self._auth_failed(item, err)
        except (LeverValidationError, LeverNotFound) as err:
            reason = f"Lever rejected the write ({err.status}): {err.lever_message or err}"
            return self._failed(item, reason, action="rejected", summary=req.summary)
        except LeverRateLimitError as err:
            return self._transient(item, str(err), ambiguous=False, summary=req.summary)
        except (LeverServerError, LeverTransportError) as err:
            return self._transient(item, str(err), ambiguous=True, summary=req.summary)
        except LeverError as err:
            return self._failed(item, str(err), action="rejected", summary=req.summary)

    async def _deliver(self, item: OutboxItem, req: PreparedWrite) -> ItemOutcome:
        """Send the write once; after an ambiguous attempt, first look for it in Lever."""
        if item.ambiguous:
            found = await writes.find_landed(
                self.client, req.write, perform_as=req.perform_as, not_before=item.created_at
            )
            if found is not None:
                return self._landed(item, req, found, reconciled=True)
        # The client's retries would resend a write whose first try may have landed: one attempt
        # here, and the outbox schedules the next (which looks in Lever first).
        written = await writes.send(self.client, req.write, perform_as=req.perform_as, attempts=1)
        return self._landed(item, req, written.id, reconciled=False)

    def _outcome(
        self, item: OutboxItem, status: str, reason: str | None = None, lever_id: str | None = None
    ) -> ItemOutcome:
        out = ItemOutcome(item.id, item.kind, status, reason, lever_id, item.draft_id)
        self.result.outcomes.append(out)
        return out

    def _landed(self, item: OutboxItem, req: PreparedWrite, lever_id: str, *, reconciled: bool) -> ItemOutcome:
        action = "found_in_lever" if reconciled else "sent"
        outbox.mark_sent(self.engine, item, lever_id, action=action, summary=req.summary, run_id=self.options.run_id)
        circuit.record_success(self.engine)
        stats = self.result.kind(item.kind)
        if reconciled:
            stats.reconciled += 1
            return self._outcome(item, "reconciled", "an earlier attempt had reached Lever; not sent again", lever_id)
        stats.sent += 1
        return self._outcome(item, "sent", None, lever_id)

    def _failed(
        self, item: OutboxItem, reason: str, *, action: str, summary: dict[str, Any] | None = None
    ) -> ItemOutcome:
        outbox.mark_failed(self.engine, item, reason, action=action, summary=summary, run_id=self.options.run_id)
        self.result.kind(item.kind).failed += 1
        return self._outcome(item, "failed", reason)

    def _auth_failed(self, item: OutboxItem, err: LeverAuthError) -> ItemOutcome:
        # Not the item's fault: it goes back untouched, and the run stops (see send_pending).
        outbox.release(self.engine, item, str(err), action="auth_failed", run_id=self.options.run_id)
        self.result.auth_error = str(err)
        return self._outcome(item, "auth_failed", str(err))

    def _transient(
        self, item: OutboxItem, reason: str, *, ambiguous: bool, summary: dict[str, Any] | None = None
    ) -> ItemOutcome:
        options, now = self.options, self.options.clock()
        retried = outbox.schedule_retry(
            self.engine, item, reason, now, ambiguous=ambiguous, summary=summary, run_id=options.run_id
        )
        stats = self.result.kind(item.kind)
        if retried:
            stats.retried += 1
        else:
            stats.failed += 1
        state = circuit.record_failure(
            self.engine,
            now,
            threshold=options.circuit_threshold,
            cooldown=options.circuit_cooldown,
            run_id=options.run_id,
        )
        if state.is_open(now):
            self.result.circuit_open, self.result.circuit_open_until = True, state.open_until
        return self._outcome(item, "retry_scheduled" if retried else "failed", reason)

    async def dry_run(self, kinds: Sequence[str]) -> WritebackResult:
        """Prepare every due item without claiming or sending it; audit what would happen."""
        options = self.options
        for item in outbox.due_items(self.engine, kinds, options.clock(), options.max_items):
            stats = self.result.kind(item.kind)
            try:
                req = await self.prepare(item)
            except PermanentFailure as err:
                summary, verdict, reason = base_summary(item), "would fail", str(err)
            else:
                summary, verdict, reason = req.summary, "would send", None
                stats.would_send += 1
            stats.skipped += 1
            with self.engine.begin() as conn:
                audit(conn, "dry_run", item=item, summary=summary, outcome=reason or verdict, run_id=options.run_id)
            self.result.would_send.append({**summary, "verdict": verdict})
            self._outcome(item, "dry_run", reason)
        return self.result

    def circuit_blocks(self) -> bool:
        """True (recorded on the result, and audited) when the breaker is open now."""
        now = self.options.clock()
        state = circuit.read_state(self.engine)
        if not state.is_open(now):
            return False
        self.result.circuit_open, self.result.circuit_open_until = True, state.open_until
        until = state.open_until.isoformat() if state.open_until else "later"
        with self.engine.begin() as conn:
            audit(conn, "circuit_open", outcome=f"no sends until {until}", run_id=self.options.run_id)
        return True


async def send_pending(
    client: LeverClient, engine: Engine, kinds: Sequence[str], options: WritebackOptions
) -> WritebackResult:
    """Send up to `options.max_items` due items of `kinds`; see the module docstring for outcomes."""
    run = _Run(client, engine, options)
    if options.dry_run:
        return await run.dry_run(kinds)
    if run.circuit_blocks():
        return run.result
    for _ in range(options.max_items):
        item = outbox.claim(engine, kinds, options.clock(), options.run_id)
        if item is None:
            break
        await run.process(item)
        if run.result.auth_error or run.result.circuit_open:
            break
    totals = run.result.totals()
    logger.info(
        "write-back %s: %d sent, %d found in Lever, %d failed, %d retries scheduled%s",
        ",".join(kinds),
        totals.get("sent", 0),
        totals.get("reconciled", 0),
        totals.get("failed", 0),
        totals.get("retried", 0),
        "; circuit open" if run.result.circuit_open else "",
    )
    return run.result


async def submit_now(client: LeverClient, engine: Engine, item_id: int, options: WritebackOptions) -> ItemOutcome:
    """Send one queued item at once (the service's submit route), whatever its schedule says.

    Returns the outcome with a reason; an item another run is sending is reported as such.
    """
    now = options.clock()
    state = circuit.read_state(engine)
    if state.is_open(now):
        until = state.open_until.isoformat() if state.open_until else "later"
        return ItemOutcome(
            item_id, "", "circuit_open", f"Lever writes are paused after repeated failures until {until}"
        )
    kinds = outbox.FEEDBACK_KINDS + outbox.WRITE_KINDS
    item = outbox.claim(engine, kinds, now, options.run_id, item_id=item_id, ignore_schedule=True)
    if item is None:
        return _not_claimed(engine, item_id)
    return await _Run(client, engine, options).process(item)


def _not_claimed(engine: Engine, item_id: int) -> ItemOutcome:
    """The item as it stands, when it could not be claimed (being sent, already done, or missing)."""
    current = outbox.get_item(engine, item_id)
    if current is None:
        return ItemOutcome(item_id, "", "missing", "no such outbox item")
    return ItemOutcome(
        item_id, current.kind, current.status, current.last_error, current.lever_result_id, current.draft_id
    )
