"""Claims on real PostgreSQL: a run takes what was committed before it, settles with its rows, is released cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events
from lever_pipeline.webhooks.claims import (
    claim_events,
    claimed_by,
    live_children,
    open_claims,
    release,
    settle,
    waiting,
)
from lever_pipeline.webhooks.events import webhook_health
from lever_pipeline_tests.webhooks.stored import events, store


def add_opportunity(engine: Engine, opportunity_id: str, contact_id: str, deleted: bool = False) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(lever_opportunities).values(
                id=opportunity_id,
                contact_id=contact_id,
                raw={"id": opportunity_id},
                deleted_at=sa.func.now() if deleted else None,
            )
        )


def settle_now(engine: Engine, run_id: str) -> int:
    with engine.begin() as conn:
        return settle(conn, run_id)


def test_claim_coalesces_the_latest_event_per_opportunity(clean_engine: Engine) -> None:
    add_opportunity(clean_engine, "opp-b", "contact-b")
    add_opportunity(clean_engine, "opp-x1", "contact-x")
    add_opportunity(clean_engine, "opp-x2", "contact-x")
    add_opportunity(clean_engine, "opp-x3", "contact-x", deleted=True)
    store(clean_engine, "candidateStageChange", "opp-a")
    store(clean_engine, "candidateArchiveChange", "opp-a")
    store(clean_engine, "interviewCreated", "opp-b")
    store(clean_engine, "candidateStageChange", "opp-c")
    store(clean_engine, "candidateDeleted", "opp-c")
    store(clean_engine, "contactUpdated", None, contactId="contact-x")  # fans out to its live opportunities
    store(clean_engine, "candidateStageChange", None)  # a test delivery: nothing to refresh, still settled

    claim = claim_events(clean_engine, "run-1")

    assert claim.refresh_ids == ["opp-a", "opp-b", "opp-x1", "opp-x2"]
    assert claim.deleted_ids == ["opp-c"]
    assert len(claim.event_ids) == 7
    assert claim.event_types == {
        "candidateStageChange": 3,
        "candidateArchiveChange": 1,
        "interviewCreated": 1,
        "candidateDeleted": 1,
        "contactUpdated": 1,
    }
    again = claimed_by(clean_engine, "run-1")
    assert (again.refresh_ids, again.deleted_ids, again.event_ids) == (
        claim.refresh_ids,
        claim.deleted_ids,
        claim.event_ids,
    )
    # Children only where an event names them: opp-a's stage change (feedback), opp-b's interview.
    assert claim.child_ids == {"interviews": ["opp-b"], "feedback": ["opp-a"]}
    assert again.child_ids == claim.child_ids
    assert live_children(clean_engine, claim, "interviews") == ["opp-b"]
    assert live_children(clean_engine, claim, "feedback") == []  # opp-a is not in the warehouse


def test_claim_takes_only_events_committed_before_it(clean_engine: Engine) -> None:
    first = [store(clean_engine, "candidateStageChange", f"opp-{i}") for i in range(3)]
    with clean_engine.connect() as late:
        # An event the service is still inserting when the run claims: not visible, so not taken.
        trans = late.begin()
        late.execute(
            sa.insert(lever_webhook_events).values(
                dedupe_key="token:late",
                event_type="candidateStageChange",
                opportunity_id="opp-late",
                triggered_at=sa.func.now(),
                payload={"event": "candidateStageChange", "data": {"opportunityId": "opp-late"}},
            )
        )
        claim = claim_events(clean_engine, "run-1")
        trans.commit()
    after = store(clean_engine, "candidateStageChange", "opp-after")

    assert claim.event_ids == first
    assert waiting(clean_engine).count == 2
    assert settle_now(clean_engine, "run-1") == 3
    rows = {e.opportunity_id: e for e in events(clean_engine)}
    assert all(rows[f"opp-{i}"].processed_run_id == "run-1" for i in range(3))
    assert rows["opp-late"].processed_at is None and rows["opp-late"].claimed_by_run is None
    assert waiting(clean_engine).newest_id == after
    assert claim_events(clean_engine, "run-2").refresh_ids == ["opp-late", "opp-after"]


def test_claim_skips_events_another_run_is_claiming(clean_engine: Engine) -> None:
    ids = [store(clean_engine, "candidateStageChange", f"opp-{i}") for i in range(4)]
    t = lever_webhook_events
    with clean_engine.connect() as other:
        trans = other.begin()  # run A's claim, not yet committed, holds the rows it took
        other.execute(sa.update(t).where(t.c.id.in_(ids[:2])).values(claimed_by_run="run-a", claimed_at=sa.func.now()))
        claim_b = claim_events(clean_engine, "run-b")
        trans.commit()
    assert claim_b.event_ids == ids[2:]
    assert claim_events(clean_engine, "run-c").events == []
    assert sorted(open_claims(clean_engine)) == ["run-a", "run-b"]


def test_a_retried_step_claims_its_own_events_again(clean_engine: Engine) -> None:
    ids = [store(clean_engine, "candidateStageChange", f"opp-{i}") for i in range(2)]
    assert claim_events(clean_engine, "run-1").event_ids == ids
    later = store(clean_engine, "candidateStageChange", "opp-later")
    assert claim_events(clean_engine, "run-1").event_ids == [*ids, later]


def test_release_returns_unsettled_events_once(clean_engine: Engine) -> None:
    store(clean_engine, "candidateStageChange", "opp-1")
    claim_events(clean_engine, "run-failed")
    assert waiting(clean_engine).count == 0
    assert release(clean_engine, "run-failed") == 1
    assert release(clean_engine, "run-failed") == 0  # the failure sensor and the tick may both release
    assert waiting(clean_engine).count == 1
    assert claim_events(clean_engine, "run-next").refresh_ids == ["opp-1"]
    assert release(clean_engine, "run-failed") == 0  # a late release never steals the new claim
    assert settle_now(clean_engine, "run-next") == 1
    assert release(clean_engine, "run-next") == 0  # settled events are never released
    (event,) = events(clean_engine)
    assert (event.failed_runs, event.claimed_by_run, event.processed_run_id) == (1, "run-next", "run-next")
    assert open_claims(clean_engine) == []


def test_health_counts_waiting_and_claimed_events_until_settled(clean_engine: Engine) -> None:
    store(clean_engine, "candidateStageChange", "opp-1")
    claim_events(clean_engine, "run-1")
    store(clean_engine, "candidateStageChange", "opp-2")
    assert webhook_health(clean_engine).unprocessed == 2
    settle_now(clean_engine, "run-1")
    health = webhook_health(clean_engine)
    assert health.unprocessed == 1 and health.oldest_unprocessed_age_s is not None
