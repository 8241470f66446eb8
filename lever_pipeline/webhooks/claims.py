"""Which refresh run takes which webhook events: claims, settlement and release.

An event waits until a targeted refresh run starts and claims it: `claim_events` takes,
in one statement, every event stored and committed until then that is neither processed
nor claimed, so events arriving meanwhile wait for the next run and the cost of a burst
is one run, not one per event. The run settles its events (`settle`) in the transaction
that writes the refreshed rows, so an event is processed exactly when its rows are. A
run that ends without settling (it failed, was canceled, died, or was deleted) has its
claims released (`release`) and the next run claims them again; refreshing an
opportunity twice is idempotent, so a late or repeated refresh never writes a wrong row.

What a set of events asks for (`Claim`): the latest event per opportunity decides
whether it is refreshed or marked deleted, and an event naming a contact but no
opportunity (`contactCreated`, `contactUpdated`) fans out to the contact's live opportunities.
Children are re-read only where an event names them (`CHILD_EVENTS`): an interview event
re-reads that opportunity's interviews; Lever announces no feedback, so the events that
follow submitted feedback re-read it: an interview's update, a stage change, a hire. Every
other change is on the opportunity itself, so one request per opportunity is its whole cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, Row

from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events

#: Events that say the opportunity is gone: mark it deleted without asking Lever.
DELETE_EVENTS = frozenset({"candidateDeleted"})

#: Which per-opportunity kinds each event type changes, beside the opportunity itself.
CHILD_EVENTS: dict[str, frozenset[str]] = {
    "interviews": frozenset({"interviewCreated", "interviewUpdated", "interviewDeleted"}),
    "feedback": frozenset({"interviewUpdated", "candidateStageChange", "candidateHired"}),
}

_t = lever_webhook_events
_CONTACT_ID = _t.c.payload["data"]["contactId"].astext
_COLUMNS = (_t.c.id, _t.c.event_type, _t.c.opportunity_id, _CONTACT_ID.label("contact_id"))


@dataclass(frozen=True)
class ClaimedEvent:
    """One claimed event, as the refresh needs it (ids only, nothing of the payload's people)."""

    id: int
    event_type: str
    opportunity_id: str | None
    contact_id: str | None


@dataclass
class Claim:
    """A run's events, coalesced into the opportunities to re-read and those to mark deleted."""

    run_id: str
    events: list[ClaimedEvent]
    refresh_ids: list[str] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    #: kind -> the refreshed opportunities whose events name that kind (`CHILD_EVENTS`), in claim order.
    child_ids: dict[str, list[str]] = field(default_factory=dict)

    @property
    def event_ids(self) -> list[int]:
        return [e.id for e in self.events]

    @property
    def event_types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.events:
            counts[e.event_type] = counts.get(e.event_type, 0) + 1
        return counts


@dataclass(frozen=True)
class Waiting:
    """Events neither processed nor claimed: how many, and the newest id among them (None: none wait)."""

    count: int
    newest_id: int | None


def waiting(engine: Engine) -> Waiting:
    """How many events wait for a run to claim them (one index read)."""
    query = sa.select(sa.func.count(), sa.func.max(_t.c.id)).where(
        _t.c.processed_at.is_(None), _t.c.claimed_by_run.is_(None)
    )
    with engine.connect() as conn:
        count, newest = conn.execute(query).one()
    return Waiting(int(count), newest)


def claim_events(engine: Engine, run_id: str) -> Claim:
    """Claim for `run_id` every waiting event committed before this call, and say what they ask for.

    Events this run claimed before (a retried step) are claimed again, so a retry redoes
    the same work. Rows another transaction holds locked (another run claiming, a release
    under way) are skipped, never waited on: they belong to that transaction's outcome.
    """
    free = (
        sa.select(_t.c.id)
        .where(_t.c.processed_at.is_(None), sa.or_(_t.c.claimed_by_run.is_(None), _t.c.claimed_by_run == run_id))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claim = (
        sa.update(_t)
        .where(_t.c.id.in_(free))
        .values(claimed_by_run=run_id, claimed_at=sa.func.now())
        .returning(*_COLUMNS)
    )
    with engine.begin() as conn:
        rows = sorted(conn.execute(claim).all(), key=lambda r: r.id)
        return _claim_of(conn, run_id, rows)


def claimed_by(engine: Engine, run_id: str) -> Claim:
    """What `run_id` claimed (settled or not), coalesced the same way as when it claimed."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*_COLUMNS).where(_t.c.claimed_by_run == run_id).order_by(_t.c.id)).all()
        return _claim_of(conn, run_id, rows)


def live_children(engine: Engine, claim: Claim, kind: str) -> list[str]:
    """The opportunities whose `kind` the claim re-reads: named by an event, held and not deleted, in claim order."""
    wanted = claim.child_ids.get(kind, [])
    if not wanted:
        return []
    o = lever_opportunities
    with engine.connect() as conn:
        live = set(conn.execute(sa.select(o.c.id).where(o.c.id.in_(wanted), o.c.deleted_at.is_(None))).scalars())
    return [i for i in wanted if i in live]


def settle(conn: Connection, run_id: str) -> int:
    """Mark `run_id`'s claimed events processed, in the caller's transaction (the one writing the rows).

    Returns how many were newly marked.
    """
    return conn.execute(
        sa.update(_t)
        .where(_t.c.claimed_by_run == run_id, _t.c.processed_at.is_(None))
        .values(processed_at=sa.func.now(), processed_run_id=run_id)
    ).rowcount


def release(engine: Engine, run_id: str) -> int:
    """Put `run_id`'s unprocessed events back to waiting (failed_runs + 1); returns how many.

    Idempotent: a second release of the same run, or a release after the next run has
    claimed the events again, changes nothing.
    """
    with engine.begin() as conn:
        return conn.execute(
            sa.update(_t)
            .where(_t.c.claimed_by_run == run_id, _t.c.processed_at.is_(None))
            .values(claimed_by_run=None, claimed_at=None, failed_runs=_t.c.failed_runs + 1)
        ).rowcount


def open_claims(engine: Engine) -> list[str]:
    """The runs holding claims on unprocessed events (normally none, or the one run in flight)."""
    query = (
        sa.select(_t.c.claimed_by_run)
        .where(_t.c.processed_at.is_(None), _t.c.claimed_by_run.is_not(None))
        .group_by(_t.c.claimed_by_run)
        .order_by(sa.func.min(_t.c.id))
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def _claim_of(conn: Connection, run_id: str, rows: Iterable[Row]) -> Claim:
    events = [ClaimedEvent(r.id, r.event_type, r.opportunity_id, r.contact_id) for r in rows]
    contacts = sorted({e.contact_id for e in events if not e.opportunity_id and e.contact_id})
    by_contact: dict[str, list[str]] = {}
    if contacts:
        o = lever_opportunities
        for opp_id, contact in conn.execute(
            sa.select(o.c.id, o.c.contact_id)
            .where(o.c.contact_id.in_(contacts), o.c.deleted_at.is_(None))
            .order_by(o.c.id)
        ):
            by_contact.setdefault(contact, []).append(opp_id)
    refresh, deleted = _coalesce(events, by_contact)
    return Claim(run_id, events, refresh, deleted, _children(events, refresh))


def _children(events: Iterable[ClaimedEvent], refresh: list[str]) -> dict[str, list[str]]:
    named = {kind: set[str]() for kind in CHILD_EVENTS}
    for e in events:
        for kind, types in CHILD_EVENTS.items():
            if e.opportunity_id and e.event_type in types:
                named[kind].add(e.opportunity_id)
    return {kind: [o for o in refresh if o in ids] for kind, ids in named.items()}


def _coalesce(events: Iterable[ClaimedEvent], by_contact: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    # The latest event per opportunity decides: deleted, or refreshed (once, however many events).
    last: dict[str, str] = {}
    for e in events:  # in id order, which follows arrival
        targets = [e.opportunity_id] if e.opportunity_id else by_contact.get(e.contact_id or "", [])
        for opp in targets:
            last.pop(opp, None)
            last[opp] = e.event_type
    refresh = [o for o, kind in last.items() if kind not in DELETE_EVENTS]
    deleted = [o for o, kind in last.items() if kind in DELETE_EVENTS]
    return refresh, deleted
