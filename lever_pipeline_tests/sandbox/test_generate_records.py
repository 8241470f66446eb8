"""Generated opportunities are kept frozen (their JSON plus the values lists filter on) until
a change thaws them: both states must answer every filter value the same as the document."""

from __future__ import annotations

import orjson

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.mutations import apply_random
from lever_pipeline.sandbox.store import Store


def _values(doc: Doc) -> tuple:
    archived = doc["archived"]
    return (
        doc["id"],
        doc["createdAt"],
        doc["updatedAt"],
        doc["lastAdvancedAt"],
        archived is not None,
        archived["reason"] if archived else None,
        archived["archivedAt"] if archived else None,
        doc["stage"],
        doc["origin"],
        doc["confidentiality"],
        list(doc["tags"]),
        list(doc["sources"]),
        list(doc["emails"]),
        doc["contact"],
        doc["opportunityLocation"],
        doc["snoozedUntil"],
        bool(doc["applications"]),
    )


def _answers(r: OppRecord) -> tuple:
    return (
        r.id,
        r.created_at,
        r.updated_at,
        r.advanced_at,
        r.archived,
        r.archive_reason,
        r.archived_at,
        r.stage,
        r.origin,
        r.confidentiality,
        list(r.tags),
        list(r.sources),
        list(r.emails),
        r.contact,
        r.location,
        r.snoozed_until,
        r.has_application,
    )


def test_frozen_records_answer_like_their_documents() -> None:
    store = Store(SandboxConfig(seed=5, opportunities=2000))
    assert not any(r.live for r in store.opps)
    for r in [*store.opps, *store.deleted]:
        assert _answers(r) == _values(orjson.loads(store.raw(r)))
        assert r.doc is not r.doc  # a frozen record hands out copies, never a dict it keeps


def test_a_change_thaws_the_record_and_its_answers_follow_the_change() -> None:
    store = Store(SandboxConfig(seed=5, opportunities=500))
    changed = apply_random(store, store.rng, 200, ("stage", "tags", "archive", "note"))
    ids = {c["opportunityId"] for c in changed}
    for r in store.opps:
        assert r.live == (r.id in ids)
        assert _answers(r) == _values(r.doc) == _values(orjson.loads(store.raw(r)))
    assert sum(store.tags.values()) == sum(len(r.tags) for r in store.opps)
    assert store.keys == sorted(store.keys) == [r.key for r in store.opps]
