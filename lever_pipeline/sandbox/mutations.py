"""Random but seeded changes to the account: what `POST /_sandbox/mutate` and `--activity` do.

Each mutation goes through the same changes (changes/) as the /v1 writes, so it bumps
`updatedAt`, shows up in reads at once and emits the same webhooks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from lever_pipeline.sandbox.changes.opportunities import (
    change_stage,
    create_opportunity,
    delete_opportunity,
    edit_list,
    set_archived,
    set_owner,
)
from lever_pipeline.sandbox.changes.requisitions import delete_posting
from lever_pipeline.sandbox.changes.subresources import add_feedback, add_interview, add_note, reschedule_interview
from lever_pipeline.sandbox.changes.users import add_user
from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.generate.draw import person
from lever_pipeline.sandbox.generate.feedback import field_value
from lever_pipeline.sandbox.store import Store

KINDS = (
    "stage",
    "tags",
    "archive",
    "application",
    "interview",
    "feedback",
    "note",
    "delete",
    "new_interviewer",
    "new_owner",
    "delete_posting",
)
#: What a mutation with no `kinds` picks from (deleting, and users joining, only when asked for).
#: `delete_posting` moves a posting to /postings/deleted (Lever's API has no call for it; a
#: user deletes it in the app), so its record names `postingId` instead of `opportunityId`.
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
    user = _active_user(store, rng)
    if kind == "delete_posting":
        postings = store.world.postings
        if not postings:
            return {"postingId": None, "kind": kind}
        posting = postings[rng.randrange(len(postings))]
        delete_posting(store, posting, user)
        return {"postingId": posting["id"], "kind": kind}
    if kind == "application" or not store.opps:
        world = store.world
        postings = [p for p in world.postings if p["state"] == "published"] or world.postings
        posting = postings[rng.randrange(len(postings))]["id"] if postings else None
        rec = create_opportunity(store, posting, None)
        return {"opportunityId": rec.id, "kind": "application", "postingId": posting}
    rec = store.opps[rng.randrange(len(store.opps))]
    change = _CHANGES.get(kind)
    if change is None:
        raise ValueError(f"unknown mutation kind {kind!r}")
    return {"opportunityId": rec.id, "kind": kind, **change(store, rng, rec, user)}


# Each change below returns what the mutation record reports beyond the opportunity and kind.


def _stage(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """Advance to the next stage (after the last, back to the first)."""
    world = store.world
    i = world.stage_index[rec.stage]
    target = world.stages[(i + 1) % len(world.stages)]["id"]
    result = {"fromStageId": rec.stage, "toStageId": target}
    change_stage(store, rec, target, user)
    return result


def _tags(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """Remove one of its tags, or add a new one."""
    existing = rec.tags
    if existing and rng.random() < 0.4:
        tag = existing[rng.randrange(len(existing))]
        edit_list(store, rec, "tags", [], [tag])
        return {"removed": tag}
    tag = f"Mutated {rng.randrange(1000)}"
    edit_list(store, rec, "tags", [tag], [])
    return {"added": tag}


def _archive(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """Unarchive an archived opportunity, or archive with a random reason."""
    if rec.archived:
        set_archived(store, rec, None, user)
        return {"archived": False}
    reasons = store.world.archive_reasons
    reason = reasons[rng.randrange(len(reasons))]["id"]
    set_archived(store, rec, reason, user)
    return {"archived": True, "reason": reason}


def _interview(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """Reschedule one of its interviews now and then; otherwise schedule a new one."""
    kids = store.children(rec)
    if kids.interviews and rng.random() < 0.3:
        iv = reschedule_interview(store, rec, kids.interviews[rng.randrange(len(kids.interviews))])
        return {"interviewId": iv["id"], "action": "updated"}
    templates = store.world.templates
    template = templates[1 + rng.randrange(len(templates) - 1)]
    iv = add_interview(store, rec, user, template)
    return {"interviewId": iv["id"], "action": "created"}


def _feedback(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """Submit a form from a random template, for one of its interviews when it has any."""
    templates = store.world.templates
    template = templates[1 + rng.randrange(len(templates) - 1)]
    values = {f["id"]: field_value(rng, f) for f in template["fields"] if f["required"] or rng.random() < 0.5}
    kids = store.children(rec)
    iv = kids.interviews[rng.randrange(len(kids.interviews))] if kids.interviews else None
    form = add_feedback(
        store, rec, template, user, values, iv["id"] if iv else None, iv["panel"] if iv else None, None, None
    )
    return {"feedbackId": form["id"]}


def _note(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    note = add_note(store, rec, "Checked in by the sandbox.", user, False, None, None, None)
    return {"noteId": note["id"]}


def _delete(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    delete_opportunity(store, rec, user)
    return {}


def _join(store: Store, rng: random.Random) -> Doc:
    """A user who joins the account now (after any sync of /users that already ran)."""
    first, last, local = person(rng)
    return add_user(store, f"{first} {last}", f"{local}.{len(store.world.users)}", "interviewer", None)


def _new_interviewer(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """A user joins the account and interviews the candidate (a new interview on a new panel)."""
    joined = _join(store, rng)
    templates = store.world.templates
    iv = add_interview(store, rec, joined["id"], templates[1 + rng.randrange(len(templates) - 1)])
    return {"userId": joined["id"], "interviewId": iv["id"]}


def _new_owner(store: Store, rng: random.Random, rec: OppRecord, user: str) -> dict[str, Any]:
    """A user joins the account and takes the opportunity over as its owner."""
    joined = _join(store, rng)
    set_owner(store, rec, joined["id"])
    return {"userId": joined["id"]}


_CHANGES: dict[str, Callable[[Store, random.Random, OppRecord, str], dict[str, Any]]] = {
    "stage": _stage,
    "tags": _tags,
    "archive": _archive,
    "interview": _interview,
    "feedback": _feedback,
    "note": _note,
    "delete": _delete,
    "new_interviewer": _new_interviewer,
    "new_owner": _new_owner,
}
