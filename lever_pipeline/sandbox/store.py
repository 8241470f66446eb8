"""The sandbox's live state: the generated account plus every change made to it since.

One owner for all state and all state changes, so the invariants live in one place:
every write bumps the opportunity's `updatedAt` and `lastInteractionAt` with a strictly
increasing clock, drops its cached bytes so the next read sees it, keeps the /tags and
/sources counts right, and emits the matching Lever webhook events. All of it runs on the
server's event loop thread, so no locks are needed.
"""

from __future__ import annotations

import gc
import random
import time
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.data import ANCHOR_MS, Children, Doc, OppRecord, World, new_uuid
from lever_pipeline.sandbox.generate.children import download_url, generate_children
from lever_pipeline.sandbox.generate.feedback import feedback_form
from lever_pipeline.sandbox.generate.world import generate

EventSink = Callable[[str, dict[str, Any], str], None]

WEBHOOK_EVENTS = (
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
)
ORIGINS = ("applied", "sourced", "referred", "university", "agency", "internal")


def dumps(obj: Any) -> bytes:
    """orjson.dumps, copied into an exact-size bytes object.

    orjson's result keeps its growth buffer (~8 KB for a 1.3 KB opportunity); copying once
    makes a cache of 100,000 objects cost ~140 MB instead of ~800 MB.
    """
    return bytes(memoryview(orjson.dumps(obj)))


class Store:
    """Generated account + mutations. `emit(event, data, origin)` receives webhook events."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.emit: EventSink = lambda event, data, origin: None
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Regenerate the account from the seed; forget every change and registered webhook."""
        self.world = None  # let the old account go before the new one is built
        gc.unfreeze()
        gc.disable()  # generation makes millions of dicts; cyclic GC passes would triple the time
        try:
            world = generate(self.config.seed, self.config.opportunities)
        finally:
            gc.enable()
        gc.freeze()  # the account is long-lived: keep later GC passes from walking it
        self.world: World = world
        self.opps: list[OppRecord] = world.opportunities
        self.keys: list[tuple[int, str]] = [r.key for r in self.opps]
        self.by_id: dict[str, OppRecord] = {r.id: r for r in self.opps}
        self.deleted: list[OppRecord] = list(world.deleted)
        self.deleted_by_id: dict[str, OppRecord] = {r.id: r for r in self.deleted}
        self.tags: Counter[str] = Counter(t for r in self.opps for t in r.doc["tags"])
        self.sources: Counter[str] = Counter(s for r in self.opps for s in r.doc["sources"])
        self.webhooks: dict[str, Doc] = {}
        self.user_raw: dict[str, bytes] = {}
        self.posting_raw: dict[str, bytes] = {}
        self.next_index = len(self.opps) + len(self.deleted)
        self.rng = random.Random(self.config.seed ^ 0xC0FFEE)
        self._clock = ANCHOR_MS
        self._lru: OrderedDict[str, Children] = OrderedDict()

    def now(self) -> int:
        """Milliseconds for a write: the real clock, but strictly after every earlier stamp."""
        self._clock = max(int(time.time() * 1000), self._clock + 1)
        return self._clock

    def new_id(self) -> str:
        return new_uuid(self.rng)

    # ------------------------------------------------------------------ reads

    def opp(self, oid: str) -> OppRecord | None:
        return self.by_id.get(oid)

    def raw(self, rec: OppRecord) -> bytes:
        """The opportunity's JSON, serialized once and cached until it changes."""
        raw = rec.raw
        if raw is None:
            raw = rec.raw = dumps(rec.doc)
        return raw

    def user_bytes(self, user: Doc) -> bytes:
        raw = self.user_raw.get(user["id"])
        if raw is None:
            raw = self.user_raw[user["id"]] = dumps(user)
        return raw

    def posting_bytes(self, posting: Doc) -> bytes:
        raw = self.posting_raw.get(posting["id"])
        if raw is None:
            raw = self.posting_raw[posting["id"]] = dumps(posting)
        return raw

    def children(self, rec: OppRecord) -> Children:
        """The opportunity's sub-resources: kept ones, or regenerated (with a small LRU)."""
        if rec.children is not None:
            return rec.children
        kids = self._lru.get(rec.id)
        if kids is None:
            kids = generate_children(self.world, rec)
            self._lru[rec.id] = kids
            if len(self._lru) > 512:
                self._lru.popitem(last=False)
        else:
            self._lru.move_to_end(rec.id)
        return kids

    def dataset(self) -> dict[str, int]:
        """Object counts per type, as the control plane reports them."""
        totals = [0] * 7
        for r in self.opps:
            c = r.children
            if c is None:
                for i, n in enumerate(r.counts):
                    totals[i] += n
            else:
                live_fb = sum(1 for f in c.feedback if f["deletedAt"] is None)
                for i, n in enumerate(
                    (
                        len(c.interviews),
                        len(c.panels),
                        live_fb,
                        len(c.notes),
                        len(c.resumes),
                        len(c.files),
                        len(c.offers),
                    )
                ):
                    totals[i] += n
        w = self.world
        return {
            "stages": len(w.stages),
            "users": len(w.users),
            "active_users": len(w.active_users),
            "postings": len(w.postings),
            "archive_reasons": len(w.archive_reasons),
            "sources": sum(1 for v in self.sources.values() if v > 0),
            "tags": sum(1 for v in self.tags.values() if v > 0),
            "feedback_templates": len(w.templates),
            "opportunities": len(self.opps),
            "deleted_opportunities": len(self.deleted),
            "interviews": totals[0],
            "panels": totals[1],
            "feedback": totals[2],
            "notes": totals[3],
            "resumes": totals[4],
            "files": totals[5],
            "offers": totals[6],
            "webhooks": len(self.webhooks),
        }

    # ------------------------------------------------------------------ write helpers

    def _pin(self, rec: OppRecord) -> Children:
        """Keep the sub-resources in memory from now on (before the first change to them
        or to the opportunity, so regenerating can never disagree with what was served)."""
        if rec.children is None:
            rec.children = self._lru.pop(rec.id, None) or generate_children(self.world, rec)
        return rec.children

    def _touch(self, rec: OppRecord) -> int:
        self._pin(rec)
        at = self.now()
        rec.doc["updatedAt"] = at
        rec.doc["lastInteractionAt"] = at
        rec.raw = None
        return at

    def _event(self, rec: OppRecord, event: str, **extra: Any) -> None:
        doc = rec.doc
        data = {"opportunityId": doc["id"], "candidateId": doc["id"], "contactId": doc["contact"], **extra}
        self.emit(event, data, doc["origin"])

    # ------------------------------------------------------------------ opportunity writes

    def change_stage(self, rec: OppRecord, stage_id: str, user: str | None) -> None:
        """Move to `stage_id`: append a stageChanges entry, bump lastAdvancedAt, emit the event."""
        at = self._touch(rec)
        doc = rec.doc
        previous = doc["stage"]
        doc["stage"] = stage_id
        doc["stageChanges"].append(
            {"toStageId": stage_id, "toStageIndex": self.world.stage_index[stage_id], "updatedAt": at, "userId": user}
        )
        doc["lastAdvancedAt"] = at
        self._event(rec, "candidateStageChange", toStageId=stage_id, fromStageId=previous)

    def set_archived(self, rec: OppRecord, reason_id: str | None, user: str | None) -> None:
        """Archive with `reason_id`, or unarchive with None; a `hired` reason also emits candidateHired."""
        at = self._touch(rec)
        doc = rec.doc
        before = doc["archived"]
        doc["archived"] = None if reason_id is None else {"reason": reason_id, "archivedAt": at}
        kids = self._pin(rec)
        if kids.application:
            kids.application["archived"] = dict(doc["archived"]) if doc["archived"] else None
        self._event(rec, "candidateArchiveChange", fromArchived=before, toArchived=doc["archived"], userId=user)
        if reason_id is not None and self.world.reasons_by_id[reason_id]["type"] == "hired":
            self._event(
                rec,
                "candidateHired",
                applicationId=doc["applications"][0] if doc["applications"] else None,
                postingId=rec.posting,
            )

    def edit_list(self, rec: OppRecord, field: str, add: list[str], remove: list[str]) -> None:
        """Add/remove values of `tags`, `sources` or `links`, keeping /tags and /sources counts."""
        self._touch(rec)
        current: list[str] = rec.doc[field]
        counter = self.tags if field == "tags" else self.sources if field == "sources" else None
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
        self,
        posting_id: str | None,
        user: str | None,
        origin: str = "applied",
        fields: dict[str, Any] | None = None,
    ) -> OppRecord:
        """A new opportunity (an application to `posting_id`); `fields` override generated
        values (already validated by the caller). Sorted by its createdAt, normally now."""
        rng = self.rng
        world = self.world
        at = self.now()
        oid = self.new_id()
        first = rng.choice(vocab.FIRST_NAMES)
        last = rng.choice(vocab.LAST_NAMES)
        posting = world.postings_by_id.get(posting_id or "")
        stage = "applicant-new" if posting else "lead-new"
        tags = [posting["categories"]["team"], posting["categories"]["commitment"]] if posting else []
        owner = user or world.users[0]["id"]
        doc = {
            "id": oid,
            "name": f"{first} {last}",
            "contact": self.new_id(),
            "headline": "",
            "stage": stage,
            "confidentiality": "non-confidential",
            "location": "",
            "phones": [],
            "emails": [f"{first}.{last}.{self.next_index}@example.com".lower().replace(" ", "")],
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
            "applications": [self.new_id()] if posting else [],
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
        if fields:
            doc.update(fields)
            if "stage" in fields:
                doc["stageChanges"][0].update(toStageId=doc["stage"], toStageIndex=world.stage_index[doc["stage"]])
            if posting:
                doc["tags"] = list(dict.fromkeys([*doc["tags"], posting["text"], *tags]))
            tags = doc["tags"]
        rec = OppRecord(doc, self.next_index, posting["id"] if posting else None, (0,) * 7)
        self.next_index += 1
        rec.children = generate_children(world, rec)
        i = bisect_right(self.keys, rec.key)  # the end, unless the caller back-dated createdAt
        self.opps.insert(i, rec)
        self.keys.insert(i, rec.key)
        self.by_id[oid] = rec
        for t in tags:
            self.tags[t] += 1
        for s in doc["sources"]:
            self.sources[s] += 1
        self._event(
            rec,
            "applicationCreated",
            applicationId=doc["applications"][0] if doc["applications"] else None,
            postingId=rec.posting,
        )
        return rec

    def find_by_email(self, emails: list[str]) -> OppRecord | None:
        """An opportunity whose contact has one of `emails` (canonical: case-insensitive)."""
        wanted = {e.strip().lower() for e in emails}
        for r in self.opps:
            if any(e.lower() in wanted for e in r.doc["emails"]):
                return r
        return None

    def delete_opportunity(self, rec: OppRecord, user: str | None) -> None:
        """Remove from every list; it then shows in /opportunities/deleted."""
        i = self.keys.index(rec.key)
        del self.keys[i]
        del self.opps[i]
        del self.by_id[rec.id]
        self._lru.pop(rec.id, None)
        rec.children = None
        for t in rec.doc["tags"]:
            self.tags[t] -= 1
        for s in rec.doc["sources"]:
            self.sources[s] -= 1
        rec.deleted_at = self.now()
        rec.deleted_by = user
        self.deleted.append(rec)
        self.deleted_by_id[rec.id] = rec
        self._event(rec, "candidateDeleted", deletedBy=user)

    # ------------------------------------------------------------------ sub-resource writes

    def add_feedback(
        self,
        rec: OppRecord,
        template: Doc,
        user: str,
        values: dict[str, Any],
        interview: str | None,
        panel: str | None,
        created_at: int | None,
        completed_at: int | None,
    ) -> Doc:
        """Store a validated feedback form; unset fields come back with value null."""
        at = self._touch(rec)
        kids = self._pin(rec)
        form = feedback_form(self.rng, template, user, at, interview, panel, self.new_id(), values)
        form["createdAt"] = created_at if created_at is not None else at
        form["completedAt"] = completed_at if completed_at is not None else at
        kids.feedback.append(form)
        if interview:
            for iv in kids.interviews:
                if iv["id"] == interview:
                    iv["feedbackForms"].append(form["id"])
        return form

    def update_feedback(self, rec: OppRecord, form: Doc, values: dict[str, Any], completed_at: int | None) -> Doc:
        at = self._touch(rec)
        for f in form["fields"]:
            if f["id"] in values:
                f["value"] = values[f["id"]]
        if completed_at is not None:
            form["completedAt"] = completed_at
        form["updatedAt"] = at
        return form

    def delete_feedback(self, rec: OppRecord, form: Doc) -> None:
        form["deletedAt"] = self._touch(rec)

    def add_note(
        self,
        rec: OppRecord,
        value: str,
        user: str | None,
        secret: bool,
        score: int | None,
        created_at: int | None,
        parent: Doc | None,
    ) -> Doc:
        """A new note, or with `parent` a threaded comment appended to that note."""
        at = self._touch(rec)
        kids = self._pin(rec)
        stamp = created_at if created_at is not None else at
        field = {
            "type": "note",
            "text": "Comment",
            "value": value,
            "createdAt": stamp,
            "user": user,
            "score": score,
            "stage": rec.doc["stage"],
        }
        if parent is not None:
            parent["fields"].append(field)
            return parent
        note = {
            "id": self.new_id(),
            "text": "Note",
            "fields": [field],
            "user": user,
            "secret": secret,
            "completedAt": stamp,
            "createdAt": stamp,
            "deletedAt": None,
        }
        kids.notes.append(note)
        kids.api_notes.add(note["id"])
        return note

    def delete_note(self, rec: OppRecord, note: Doc) -> None:
        self._touch(rec)
        self._pin(rec).notes.remove(note)

    def add_file(self, rec: OppRecord, name: str, content: bytes) -> Doc:
        at = self._touch(rec)
        kids = self._pin(rec)
        fid = self.new_id()
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        f = {
            "id": fid,
            "downloadUrl": download_url(rec.id, "files", fid),
            "ext": ext,
            "name": name,
            "uploadedAt": at,
            "status": "processed",
            "size": len(content),
        }
        kids.files.append(f)
        kids.blobs[fid] = content
        return f

    def delete_file(self, rec: OppRecord, f: Doc) -> None:
        self._touch(rec)
        kids = self._pin(rec)
        kids.files.remove(f)
        kids.blobs.pop(f["id"], None)

    def add_interview(self, rec: OppRecord, user: str, template: Doc) -> Doc:
        """Schedule one interview on a new (externally managed) panel; emits interviewCreated."""
        at = self._touch(rec)
        kids = self._pin(rec)
        panel_id, iid = self.new_id(), self.new_id()
        users = self.world.users_by_id
        who = users[user]
        interviewer = {"id": who["id"], "name": who["name"], "email": who["email"], "feedbackTemplate": template["id"]}
        date = at + 2 * 86_400_000
        subject = f"{template['text']} with {rec.doc['name']}"
        interview = {
            "id": iid,
            "panel": panel_id,
            "subject": subject,
            "note": "",
            "interviewers": [interviewer],
            "timezone": "UTC",
            "createdAt": at,
            "date": date,
            "duration": 45,
            "location": "Zoom",
            "feedbackTemplate": template["id"],
            "feedbackForms": [],
            "feedbackReminder": "once",
            "user": user,
            "stage": rec.doc["stage"],
            "canceledAt": None,
            "postings": [rec.posting] if rec.posting else [],
            "gcalEventUrl": None,
            "opportunityId": rec.id,
        }
        kids.interviews.append(interview)
        kids.panels.append(
            {
                "id": panel_id,
                "applications": list(rec.doc["applications"]),
                "canceledAt": None,
                "createdAt": at,
                "start": date,
                "end": date + 45 * 60_000,
                "externallyManaged": True,
                "externalUrl": None,
                "feedbackReminder": "once",
                "interviews": [
                    {
                        "id": iid,
                        "date": date,
                        "duration": 45,
                        "feedbackReminder": "once",
                        "feedbackTemplate": template["id"],
                        "interviewers": [{**interviewer, "responseStatus": "needsAction"}],
                        "location": "Zoom",
                        "note": "",
                        "subject": subject,
                    }
                ],
                "note": "",
                "stage": rec.doc["stage"],
                "timezone": "UTC",
                "user": user,
            }
        )
        self._event(rec, "interviewCreated", interviewId=iid, panelId=panel_id)
        return interview

    def reschedule_interview(self, rec: OppRecord, interview: Doc) -> Doc:
        """Move an interview a day later; emits interviewUpdated."""
        self._touch(rec)
        kids = self._pin(rec)
        interview["date"] += 86_400_000
        for p in kids.panels:
            if p["id"] == interview["panel"]:
                for pi in p["interviews"]:
                    if pi["id"] == interview["id"]:
                        pi["date"] = interview["date"]
                p["start"] = min(pi["date"] for pi in p["interviews"])
                p["end"] = max(pi["date"] + pi["duration"] * 60_000 for pi in p["interviews"])
        self._event(rec, "interviewUpdated", interviewId=interview["id"], panelId=interview["panel"])
        return interview

    # ------------------------------------------------------------------ webhooks

    def create_webhook(self, url: str, event: str, origins: list[str]) -> tuple[Doc, str]:
        """Register a webhook; returns it and its signature token (shown only at creation)."""
        at = self.now()
        token = "".join(self.rng.choice("0123456789abcdef") for _ in range(48))
        hook = {
            "id": self.new_id(),
            "url": url,
            "event": event,
            "configuration": {"conditions": {"origins": origins}},
            "createdAt": at,
            "updatedAt": at,
            "_token": token,
        }
        self.webhooks[hook["id"]] = hook
        return hook, token
