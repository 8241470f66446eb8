"""Random but seeded changes to the account: what `POST /_sandbox/mutate` and `--activity` do.

Each mutation goes through the same store methods as the /v1 writes, so it bumps
`updatedAt`, shows up in reads at once and emits the same webhooks.
"""

from __future__ import annotations

import random
from typing import Any

from lever_pipeline.sandbox.generate.feedback import field_value
from lever_pipeline.sandbox.store import Store

KINDS = ("stage", "tags", "archive", "application", "interview", "feedback", "note", "delete")
#: What a mutation with no `kinds` picks from (deleting is only done when asked for).
DEFAULT_KINDS = ("stage", "tags", "archive", "application", "interview", "feedback", "note")
#: What `--activity` does: the changes a live recruiting team makes.
ACTIVITY_KINDS = ("stage", "stage", "application", "archive", "interview", "feedback")


def apply_random(store: Store, rng: random.Random, count: int, kinds: tuple[str, ...] | list[str]) -> list[dict]:
    """Apply `count` mutations of the given kinds; returns one record per change made."""
    out = []
    for _ in range(count):
        out.append(_one(store, rng, rng.choice(kinds)))
    return out


def _active_user(store: Store, rng: random.Random) -> str:
    users = store.world.users
    while True:
        u = users[rng.randrange(len(users))]
        if u["deactivatedAt"] is None:
            return u["id"]


def _one(store: Store, rng: random.Random, kind: str) -> dict[str, Any]:
    world = store.world
    user = _active_user(store, rng)
    if kind == "application" or not store.opps:
        postings = [p for p in world.postings if p["state"] == "published"] or world.postings
        posting = postings[rng.randrange(len(postings))]["id"] if postings else None
        rec = store.create_opportunity(posting, None)
        return {"opportunityId": rec.id, "kind": "application", "postingId": posting}
    rec = store.opps[rng.randrange(len(store.opps))]
    doc = rec.doc
    result: dict[str, Any] = {"opportunityId": rec.id, "kind": kind}
    if kind == "stage":
        i = world.stage_index[doc["stage"]]
        target = world.stages[(i + 1) % len(world.stages)]["id"]
        result.update(fromStageId=doc["stage"], toStageId=target)
        store.change_stage(rec, target, user)
    elif kind == "tags":
        existing = doc["tags"]
        if existing and rng.random() < 0.4:
            tag = existing[rng.randrange(len(existing))]
            store.edit_list(rec, "tags", [], [tag])
            result.update(removed=tag)
        else:
            tag = f"Mutated {rng.randrange(1000)}"
            store.edit_list(rec, "tags", [tag], [])
            result.update(added=tag)
    elif kind == "archive":
        if doc["archived"] is not None:
            store.set_archived(rec, None, user)
            result.update(archived=False)
        else:
            reason = world.archive_reasons[rng.randrange(len(world.archive_reasons))]["id"]
            store.set_archived(rec, reason, user)
            result.update(archived=True, reason=reason)
    elif kind == "interview":
        kids = store.children(rec)
        if kids.interviews and rng.random() < 0.3:
            iv = store.reschedule_interview(rec, kids.interviews[rng.randrange(len(kids.interviews))])
            result.update(interviewId=iv["id"], action="updated")
        else:
            template = world.templates[1 + rng.randrange(len(world.templates) - 1)]
            iv = store.add_interview(rec, user, template)
            result.update(interviewId=iv["id"], action="created")
    elif kind == "feedback":
        template = world.templates[1 + rng.randrange(len(world.templates) - 1)]
        values = {f["id"]: field_value(rng, f) for f in template["fields"] if f["required"] or rng.random() < 0.5}
        kids = store.children(rec)
        iv = kids.interviews[rng.randrange(len(kids.interviews))] if kids.interviews else None
        form = store.add_feedback(
            rec, template, user, values, iv["id"] if iv else None, iv["panel"] if iv else None, None, None
        )
        result.update(feedbackId=form["id"])
    elif kind == "note":
        note = store.add_note(rec, "Checked in by the sandbox.", user, False, None, None, None)
        result.update(noteId=note["id"])
    elif kind == "delete":
        store.delete_opportunity(rec, user)
    else:
        raise ValueError(f"unknown mutation kind {kind!r}")
    return result
