"""The sandbox's live state: the generated account, its indexes and caches, and the few
primitives every change goes through (the changes themselves are in changes/).

The invariants live here: `touch` bumps an opportunity's `updatedAt` and
`lastInteractionAt` with a strictly increasing clock, pins its sub-resources and drops its
cached bytes so the next read sees it; `insert` and `remove` keep the sorted list, the id
index and the /tags and /sources counts in step; `notify` emits the matching Lever webhook
event. All of it runs on the server's event loop thread, so no locks are needed.
"""

from __future__ import annotations

import gc
import random
import time
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.data import ANCHOR_MS, Children, Doc, OppRecord, World, dumps, new_uuid
from lever_pipeline.sandbox.generate.children import generate_children
from lever_pipeline.sandbox.generate.extras import resolve_offer_ids
from lever_pipeline.sandbox.generate.world import generate

EventSink = Callable[[str, dict[str, Any], str], None]


class Store:
    """The generated account and its changes so far. `emit(event, data, origin)` receives webhook events."""

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
        self.tags: Counter[str] = Counter(t for r in self.opps for t in r.tags)
        self.sources: Counter[str] = Counter(s for r in self.opps for s in r.sources)
        self.webhooks: dict[str, Doc] = {}
        self.user_raw: dict[str, bytes] = {}
        self.posting_raw: dict[str, bytes] = {}
        self.next_index = len(self.opps) + len(self.deleted)
        self.rng = random.Random(self.config.seed ^ 0xC0FFEE)
        self.deleted_postings: list[Doc] = list(world.deleted_postings)
        self.requisitions_by_id: dict[str, Doc] = {q["id"]: q for q in world.requisitions}
        self.api_requisitions: set[str] = set()
        self._offers_resolved = False
        #: the account id a requisition create answers with (recorded POST shape)
        self.account_id = new_uuid(random.Random(f"lever-sandbox/{self.config.seed}/account"))
        self._clock = ANCHOR_MS
        self._lru: OrderedDict[str, Children] = OrderedDict()
        self._fresh_cache: tuple[list[int], list[int]] | None = None

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
        """The opportunity's JSON: kept by a frozen record, serialized once and cached until
        the next change by a live one."""
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

    def requisitions(self) -> list[Doc]:
        """The requisitions in (createdAt, id) order, their `offerIds` resolved on first use
        (see generate/extras.py `resolve_offer_ids`)."""
        if not self._offers_resolved:
            resolve_offer_ids(self.world, lambda rec: self.children(rec).offers)
            self._offers_resolved = True
        return self.world.requisitions

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

    #: Per-opportunity kinds the dataset counts, in the order `_child_counts` returns them.
    CHILD_KINDS = (
        "interviews",
        "panels",
        "feedback",
        "notes",
        "resumes",
        "files",
        "offers",
        "referrals",
        "forms",
        "file_actions",
        "applications",
    )

    def _fresh_totals(self) -> tuple[list[int], list[int]]:
        """CHILD_KINDS totals of the opportunities whose sub-resources are not kept (all, and
        non-confidential), from the records' counts alone. Computed once, then kept up to date
        as records are pinned or removed (`_unfresh`): the control plane asks often, and
        accounts reach 1,000,000 opportunities. Records with the same counts are summed
        together (there are a few hundred distinct ones), so one pass over the records is all
        it costs."""
        if self._fresh_cache is None:
            every, visible = [0] * len(self.CHILD_KINDS), [0] * len(self.CHILD_KINDS)
            alike = Counter(self._facts(r) for r in self.opps if r.children is None)
            for facts, n in alike.items():
                for totals in (every, visible) if facts[-1] else (every,):
                    for i, v in enumerate(self._own(facts)):
                        totals[i] += v * n
            self._fresh_cache = (every, visible)
        return self._fresh_cache

    def _unfresh(self, rec: OppRecord) -> None:
        """Take a record that stops being counted from its counts (pinned or removed) out of
        the cached totals, so a busy sandbox never recomputes them."""
        if self._fresh_cache is None:
            return
        facts = self._facts(rec)
        every, visible = self._fresh_cache
        for totals in (every, visible) if facts[-1] else (every,):
            for i, n in enumerate(self._own(facts)):
                totals[i] -= n

    @staticmethod
    def _facts(r: OppRecord) -> tuple[tuple[int, ...], int, bool, bool, bool]:
        """What a record's CHILD_KINDS counts follow from: (counts, profile forms, referred,
        has an application, non-confidential)."""
        return r.counts, r.forms, r.origin == "referred", r.has_application, r.confidentiality != "confidential"

    @staticmethod
    def _own(facts: tuple[tuple[int, ...], int, bool, bool, bool]) -> list[int]:
        """One record's CHILD_KINDS counts from its `_facts`."""
        counts, forms, referred, applied, _ = facts
        return [*counts, int(referred), forms, counts[4] + counts[5], int(applied)]

    @staticmethod
    def _kept_counts(c: Children) -> tuple[int, ...]:
        """CHILD_KINDS counts of kept sub-resources (deleted feedback and forms excluded)."""
        return (
            len(c.interviews),
            len(c.panels),
            sum(1 for f in c.feedback if f["deletedAt"] is None),
            len(c.notes),
            len(c.resumes),
            len(c.files),
            len(c.offers),
            len(c.referrals),
            sum(1 for f in c.forms if f["deletedAt"] is None),
            len(c.file_actions),
            1 if c.application else 0,
        )

    def dataset(self) -> dict[str, Any]:
        """Object counts per type, as the control plane reports them.

        `non_confidential` repeats the counts a list shows by default (Lever hides
        confidential opportunities, postings and requisitions unless asked), so a client's
        record counts can be compared with what it was entitled to see.
        """
        kinds = self.CHILD_KINDS
        fresh_all, fresh_visible = self._fresh_totals()
        totals, visible = list(fresh_all), list(fresh_visible)
        visible_opps = 0
        for r in self.opps:
            shown = r.confidentiality != "confidential"
            visible_opps += shown
            if r.children is not None:
                for i, n in enumerate(self._kept_counts(r.children)):
                    totals[i] += n
                    if shown:
                        visible[i] += n
        w = self.world
        out: dict[str, Any] = {
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
        }
        out.update(zip(kinds, totals, strict=True))
        out.update(
            {
                "webhooks": len(self.webhooks),
                "candidates": len(self.opps),
                "requisitions": len(w.requisitions),
                "requisition_fields": len(w.requisition_fields),
                "form_templates": len(w.form_templates),
                "deleted_postings": len(self.deleted_postings),
            }
        )
        hidden = "confidential"
        out["non_confidential"] = {
            "opportunities": visible_opps,
            "candidates": visible_opps,
            **dict(zip(kinds, visible, strict=True)),
            "postings": sum(1 for p in w.postings if p["confidentiality"] != hidden),
            "requisitions": sum(1 for q in w.requisitions if q["confidentiality"] != hidden),
        }
        return out

    def find_by_email(self, emails: list[str]) -> OppRecord | None:
        """An opportunity whose contact has one of `emails` (canonical: case-insensitive)."""
        wanted = {e.strip().lower() for e in emails}
        for r in self.opps:
            if any(e.lower() in wanted for e in r.emails):
                return r
        return None

    # ------------------------------------------------------------------ primitives of every change

    def pin(self, rec: OppRecord) -> Children:
        """Keep the sub-resources in memory from now on (before the first change to them
        or to the opportunity, so regenerating can never disagree with what was served)."""
        if rec.children is None:
            self._unfresh(rec)
            rec.children = self._lru.pop(rec.id, None) or generate_children(self.world, rec)
        return rec.children

    def touch(self, rec: OppRecord) -> int:
        """Mark the opportunity changed now (pinning its sub-resources and making the record
        live, so the change that follows edits a kept dict); returns the stamp."""
        self.pin(rec)
        at = self.now()
        doc = rec.thaw()
        doc["updatedAt"] = at
        doc["lastInteractionAt"] = at
        rec.raw = None
        return at

    def notify(self, rec: OppRecord, event: str, **extra: Any) -> None:
        """Emit a Lever webhook event about the opportunity (ids first, then `extra`)."""
        data = {"opportunityId": rec.id, "candidateId": rec.id, "contactId": rec.contact, **extra}
        self.emit(event, data, rec.origin)

    def insert(self, rec: OppRecord) -> None:
        """Add a new opportunity to the sorted list, the id index and the label counts."""
        i = bisect_right(self.keys, rec.key)  # the end, unless the caller back-dated createdAt
        self.opps.insert(i, rec)
        self.keys.insert(i, rec.key)
        self.by_id[rec.id] = rec
        for t in rec.tags:
            self.tags[t] += 1
        for s in rec.sources:
            self.sources[s] += 1

    def remove(self, rec: OppRecord, user: str | None) -> None:
        """Move an opportunity from every live index to the deleted list, stamped now."""
        i = bisect_left(self.keys, rec.key)
        del self.keys[i]
        del self.opps[i]
        del self.by_id[rec.id]
        self._lru.pop(rec.id, None)
        if rec.children is None:
            self._unfresh(rec)
        rec.children = None
        for t in rec.tags:
            self.tags[t] -= 1
        for s in rec.sources:
            self.sources[s] -= 1
        rec.deleted_at = self.now()
        rec.deleted_by = user
        self.deleted.append(rec)
        self.deleted_by_id[rec.id] = rec
