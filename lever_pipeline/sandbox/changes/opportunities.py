"""Changes to opportunities themselves: stage, archive state, owner, tags/sources/links,
creation and deletion."""

from __future__ import annotations

from typing import Any

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.changes.requisitions import count_hire
from lever_pipeline.sandbox.data import Doc, OppRecord, World
from lever_pipeline.sandbox.generate.children import generate_children
from lever_pipeline.sandbox.store import Store

#: Candidate origins a write may name, in the order error messages list them.
ORIGINS = ("applied", "sourced", "referred", "university", "agency", "internal")


def change_stage(store: Store, rec: OppRecord, stage_id: str, user: str | None) -> None:
    """Move to `stage_id`: append a stageChanges entry, bump lastAdvancedAt, emit the event."""
    at = store.touch(rec)
    doc = rec.doc
    previous = doc["stage"]
    doc["stage"] = stage_id
    doc["stageChanges"].append(
        {"toStageId": stage_id, "toStageIndex": store.world.stage_index[stage_id], "updatedAt": at, "userId": user}
    )
    doc["lastAdvancedAt"] = at
    store.notify(rec, "candidateStageChange", toStageId=stage_id, fromStageId=previous)


def set_archived(
    store: Store, rec: OppRecord, reason_id: str | None, user: str | None, requisition: Doc | None = None
) -> None:
    """Archive with `reason_id`, or unarchive with None; a `hired` reason also emits
    candidateHired and, with `requisition`, counts the hire (and the offers) against it."""
    at = store.touch(rec)
    doc = rec.doc
    before = doc["archived"]
    doc["archived"] = None if reason_id is None else {"reason": reason_id, "archivedAt": at}
    kids = store.pin(rec)
    if kids.application:
        kids.application["archived"] = dict(doc["archived"]) if doc["archived"] else None
    store.notify(rec, "candidateArchiveChange", fromArchived=before, toArchived=doc["archived"], userId=user)
    if reason_id is not None and store.world.reasons_by_id[reason_id]["type"] == "hired":
        if requisition is not None:
            count_hire(store, requisition, [o["id"] for o in kids.offers])
        store.notify(
            rec,
            "candidateHired",
            applicationId=doc["applications"][0] if doc["applications"] else None,
            postingId=rec.posting,
        )


def set_owner(store: Store, rec: OppRecord, user_id: str) -> None:
    """Hand the opportunity to another user, who also follows it from now on."""
    store.touch(rec)
    doc = rec.doc
    doc["owner"] = user_id
    if user_id not in doc["followers"]:
        doc["followers"].append(user_id)


def edit_list(store: Store, rec: OppRecord, field: str, add: list[str], remove: list[str]) -> None:
    """Add/remove values of `tags`, `sources` or `links`, keeping /tags and /sources counts."""
    store.touch(rec)
    current: list[str] = rec.doc[field]
    counter = store.tags if field == "tags" else store.sources if field == "sources" else None
    for v in add:
        if v not in current:
            current.append(v)
            if counter is not None:
                counter[v] += 1
    for v in remove:
        if v in current:
            current.remove(v)
            if counter is not None:
                counter[v] -= 1
                if counter[v] <= 0:
                    del counter[v]


def create_opportunity(
    store: Store,
    posting_id: str | None,
    user: str | None,
    origin: str = "applied",
    fields: dict[str, Any] | None = None,
) -> OppRecord:
    """A new opportunity (an application to `posting_id`); `fields` override generated
    values (already validated by the caller). Sorted by its createdAt, normally now."""
    world = store.world
    posting = world.postings_by_id.get(posting_id or "")
    doc = _new_doc(store, posting, user, origin)
    if fields:
        _override(world, doc, fields, posting)
    rec = OppRecord(doc, store.next_index, posting["id"] if posting else None, (0,) * 7)
    store.next_index += 1
    rec.children = generate_children(world, rec)
    store.insert(rec)
    store.notify(
        rec,
        "applicationCreated",
        applicationId=doc["applications"][0] if doc["applications"] else None,
        postingId=rec.posting,
    )
    return rec


def _new_doc(store: Store, posting: Doc | None, user: str | None, origin: str) -> Doc:
    """The document of a new opportunity with a random name, stamped now."""
    rng = store.rng
    world = store.world
    at = store.now()
    oid = store.new_id()
    first = rng.choice(vocab.FIRST_NAMES)
    last = rng.choice(vocab.LAST_NAMES)
    stage = "applicant-new" if posting else "lead-new"
    tags = _posting_tags(posting)
    owner = user or world.users[0]["id"]
    return {
        "id": oid,
        "name": f"{first} {last}",
        "contact": store.new_id(),
        "headline": "",
        "stage": stage,
        "confidentiality": posting["confidentiality"] if posting else "non-confidential",
        "location": "",
        "phones": [],
        "emails": [f"{first}.{last}.{store.next_index}@example.com".lower().replace(" ", "")],
        "links": [],
        "archived": None,
        "tags": tags,
        "sources": ["Company website"] if origin == "applied" else [],
        "stageChanges": [
            {"toStageId": stage, "toStageIndex": world.stage_index[stage], "updatedAt": at, "userId": user}
        ],
        "origin": origin,
        "sourcedBy": user if origin in ("sourced", "referred") else None,
        "owner": owner,
        "followers": [owner],
        "applications": [store.new_id()] if posting else [],
        "createdAt": at,
        "updatedAt": at,
        "lastInteractionAt": at,
        "lastAdvancedAt": at,
        "snoozedUntil": None,
        "urls": {"list": "https://hire.lever.co/candidates", "show": f"https://hire.lever.co/candidates/{oid}"},
        "isAnonymized": False,
        "dataProtection": None,
        "opportunityLocation": posting["categories"]["location"] if posting else "",
    }


def _posting_tags(posting: Doc | None) -> list[str]:
    """The tags an application to `posting` gets: its team and commitment."""
    return [posting["categories"]["team"], posting["categories"]["commitment"]] if posting else []


def _override(world: World, doc: Doc, fields: dict[str, Any], posting: Doc | None) -> None:
    """Apply the caller's fields; the first stage change follows the stage, and an application
    keeps the posting's tags (and its title) after the caller's."""
    doc.update(fields)
    if "stage" in fields:
        doc["stageChanges"][0].update(toStageId=doc["stage"], toStageIndex=world.stage_index[doc["stage"]])
    if posting:
        doc["tags"] = list(dict.fromkeys([*doc["tags"], posting["text"], *_posting_tags(posting)]))


def delete_opportunity(store: Store, rec: OppRecord, user: str | None) -> None:
    """Remove from every list (the deprecated /candidates too); it then shows in
    /opportunities/deleted with `deletedAt` and `deletedBy`."""
    store.remove(rec, user)
    store.notify(rec, "candidateDeleted", deletedBy=user)
