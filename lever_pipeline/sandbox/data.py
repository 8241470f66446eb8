"""What the sandbox's Lever account is made of: the records the generator (generate/) builds
and the store serves and changes.

Why it is shaped this way: 100,000 opportunities must generate in seconds and fit in well
under 2 GB. So the account-level objects (stages, users, postings, templates,
opportunities) are plain dicts, while each opportunity's sub-resources (interviews,
panels, feedback, notes, resumes, files, offers, referrals, profile forms and file actions)
are only *counted* in its `OppRecord` and generated on demand; only
sub-resources that a write touched are kept in `Children`.

All generated timestamps are milliseconds in the two years before `ANCHOR_MS` (a fixed
instant, not the clock, so the same seed gives the same bytes on any day). Writes stamp
the real clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

#: End of the generated history: 2026-01-01T00:00:00Z. Data spans the two years before it.
ANCHOR_MS = 1_767_225_600_000
SPAN_MS = 2 * 365 * 86_400_000
DAY_MS = 86_400_000
#: Replaced by the server's own root URL when a download URL is served.
ROOT_PLACEHOLDER = "{sandbox-root}"
ROOT_PLACEHOLDER_BYTES = ROOT_PLACEHOLDER.encode()

Doc = dict[str, Any]


def new_uuid(rng: random.Random) -> str:
    """A version-4-shaped UUID string drawn from `rng` (uuid.UUID is 5x slower here)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


class OppRecord:
    """One opportunity: its public document plus what the API derives from it.

    `counts` fixes how many sub-resources the generator makes (interviews, panels, feedback,
    notes, resumes, files, offers); `forms` how many profile forms (drawn from the account's
    extras stream, so the older counts stay as they were); `children` holds them all once a
    write made them real.
    """

    __slots__ = ("children", "counts", "deleted_at", "deleted_by", "doc", "forms", "index", "posting", "raw")

    def __init__(self, doc: Doc, index: int, posting: str | None, counts: tuple[int, ...], forms: int = 0) -> None:
        self.doc = doc
        self.index = index
        self.posting = posting
        self.counts = counts
        self.forms = forms
        self.children: Children | None = None
        self.raw: bytes | None = None
        self.deleted_at: int | None = None
        self.deleted_by: str | None = None

    @property
    def id(self) -> str:
        return self.doc["id"]

    @property
    def key(self) -> tuple[int, str]:
        """The list sort key: (createdAt, id). createdAt never changes, so keys are stable."""
        return (self.doc["createdAt"], self.doc["id"])


@dataclass
class Children:
    """The sub-resources of one opportunity, each list in (createdAt, id) order."""

    application: Doc
    interviews: list[Doc] = field(default_factory=list)
    panels: list[Doc] = field(default_factory=list)
    feedback: list[Doc] = field(default_factory=list)
    notes: list[Doc] = field(default_factory=list)
    resumes: list[Doc] = field(default_factory=list)
    files: list[Doc] = field(default_factory=list)
    offers: list[Doc] = field(default_factory=list)
    #: file contents by resume/file/offer-document id (generated ones are re-derivable)
    blobs: dict[str, bytes] = field(default_factory=dict)
    #: ids of notes created through the API (only those may be deleted)
    api_notes: set[str] = field(default_factory=set)
    #: referral forms (one per generated referred opportunity), profile forms, file actions
    referrals: list[Doc] = field(default_factory=list)
    forms: list[Doc] = field(default_factory=list)
    file_actions: list[Doc] = field(default_factory=list)


@dataclass
class World:
    """The whole generated account."""

    seed: int
    stages: list[Doc]
    archive_reasons: list[Doc]
    users: list[Doc]
    postings: list[Doc]
    templates: list[Doc]
    opportunities: list[OppRecord]  # sorted by key, not deleted
    deleted: list[OppRecord]
    #: drawn after the objects above from a stream of their own (generate/extras.py)
    requisitions: list[Doc] = field(default_factory=list)
    requisition_fields: list[Doc] = field(default_factory=list)
    form_templates: list[Doc] = field(default_factory=list)
    deleted_postings: list[Doc] = field(default_factory=list)
    #: the live hired opportunities each generated requisition counts (offerIds come from them)
    requisition_hires: dict[str, list[OppRecord]] = field(default_factory=dict)
    #: records with an index below this were generated (the rest were created through writes)
    generated: int = 0
    stage_index: dict[str, int] = field(default_factory=dict)
    users_by_id: dict[str, Doc] = field(default_factory=dict)
    postings_by_id: dict[str, Doc] = field(default_factory=dict)
    templates_by_id: dict[str, Doc] = field(default_factory=dict)
    reasons_by_id: dict[str, Doc] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stage_index = {s["id"]: i for i, s in enumerate(self.stages)}
        self.users_by_id = {u["id"]: u for u in self.users}
        self.postings_by_id = {p["id"]: p for p in self.postings}
        self.templates_by_id = {t["id"]: t for t in self.templates}
        self.reasons_by_id = {r["id"]: r for r in self.archive_reasons}

    @property
    def active_users(self) -> list[Doc]:
        return [u for u in self.users if u["deactivatedAt"] is None]
