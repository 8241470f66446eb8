"""What the sandbox's Lever account is made of: the records the generator (generate/) builds
and the store serves and changes.

Why it is shaped this way: 1,000,000 opportunities must generate in under two minutes and
fit in well under 4 GB. So the account-level objects (stages, users, postings, templates)
are plain dicts, while each generated opportunity is kept as its serialized JSON plus the
few values lists filter on (`OppRecord`, frozen) until a change makes it a dict again; its
sub-resources (interviews, panels, feedback, notes, resumes, files, offers, referrals,
profile forms and file actions) are only *counted* in the record and generated on demand;
only sub-resources that a write touched are kept in `Children`.

All generated timestamps are milliseconds in the two years before `ANCHOR_MS` (a fixed
instant, not the clock, so the same seed gives the same bytes on any day). Writes stamp
the real clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

#: End of the generated history: 2026-01-01T00:00:00Z. Data spans the two years before it.
ANCHOR_MS = 1_767_225_600_000
SPAN_MS = 2 * 365 * 86_400_000
DAY_MS = 86_400_000
#: Replaced by the server's own root URL when a download URL is served.
ROOT_PLACEHOLDER = "{sandbox-root}"
ROOT_PLACEHOLDER_BYTES = ROOT_PLACEHOLDER.encode()

Doc = dict[str, Any]
_CONTACT_KEY = b'"contact":"'


def dumps(obj: Any) -> bytes:
    """orjson.dumps, copied into an exact-size bytes object.

    orjson's result keeps its growth buffer (~8 KB for a 1.3 KB opportunity); copying once
    makes 100,000 serialized opportunities cost ~140 MB instead of ~800 MB.
    """
    return bytes(memoryview(orjson.dumps(obj)))


def _itself(value: Any, default: Any) -> Any:
    """`dict.setdefault` without the dict: share nothing."""
    return value


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

    A record is in one of two states, so that a million opportunities fit in memory:

    - *frozen* (every generated opportunity until a change reaches it): only the document's
      JSON (`raw`, exactly the bytes the API serves) and the few values lists filter on are
      kept; `doc` parses a fresh copy on every access, so read it, never change it.
    - *live* (created through the API, or thawed by `thaw()`, which `Store.touch` does before
      every change): the document dict is kept and is the truth; `raw` caches its JSON until
      the next change.

    Filters read the properties (`updated_at`, `tags`, `confidentiality`, ...), which answer
    from the kept values or the live dict alike.
    """

    __slots__ = (
        "_advanced",
        "_archived_at",
        "_doc",
        "_emails",
        "_location",
        "_origin",
        "_reason",
        "_snoozed",
        "_sources",
        "_stage",
        "_tags",
        "_updated",
        "_visibility",
        "children",
        "counts",
        "deleted_at",
        "deleted_by",
        "forms",
        "index",
        "key",
        "posting",
        "raw",
    )

    def __init__(self, doc: Doc, index: int, posting: str | None, counts: tuple[int, ...], forms: int = 0) -> None:
        self._doc: Doc | None = doc
        #: the list sort key: (createdAt, id). createdAt never changes, so keys are stable.
        self.key: tuple[int, str] = (doc["createdAt"], doc["id"])
        self.index = index
        self.posting = posting
        self.counts = counts
        self.forms = forms
        self.children: Children | None = None
        self.raw: bytes | None = None
        self.deleted_at: int | None = None
        self.deleted_by: str | None = None

    def freeze(self, intern: dict[Any, Any] | None = None) -> None:
        """Keep only the JSON and the filtered values (see the class docstring). `intern`
        shares equal tag and source tuples between records (the strings in them, and the
        stage, origin and location, are the generator's shared vocabulary already)."""
        doc = self._doc
        if doc is None:
            return
        share = _itself if intern is None else intern.setdefault
        self.raw = dumps(doc)
        archived = doc["archived"]
        self._updated = doc["updatedAt"]
        self._advanced = doc["lastAdvancedAt"]
        self._reason = None if archived is None else archived["reason"]
        self._archived_at = None if archived is None else archived["archivedAt"]
        self._stage = doc["stage"]
        self._origin = doc["origin"]
        self._visibility = doc["confidentiality"]
        tags, sources = tuple(doc["tags"]), tuple(doc["sources"])
        self._tags = share(tags, tags)
        self._sources = share(sources, sources)
        self._emails = tuple(doc["emails"])
        self._location = doc["opportunityLocation"]
        self._snoozed = doc["snoozedUntil"]
        self._doc = None

    def thaw(self) -> Doc:
        """Make the record live (keep its document dict from now on) and return the dict."""
        doc = self._doc
        if doc is None:
            doc = self._doc = orjson.loads(self.raw)
            self._tags = self._sources = self._emails = None
        return doc

    @property
    def live(self) -> bool:
        return self._doc is not None

    @property
    def doc(self) -> Doc:
        """The document: the live dict, or (frozen) a fresh copy parsed from `raw`."""
        doc = self._doc
        return doc if doc is not None else orjson.loads(self.raw)

    @property
    def id(self) -> str:
        return self.key[1]

    @property
    def created_at(self) -> int:
        return self.key[0]

    @property
    def updated_at(self) -> int:
        d = self._doc
        return self._updated if d is None else d["updatedAt"]

    @property
    def advanced_at(self) -> int:
        d = self._doc
        return self._advanced if d is None else d["lastAdvancedAt"]

    @property
    def archived(self) -> bool:
        d = self._doc
        return self._reason is not None if d is None else d["archived"] is not None

    @property
    def archive_reason(self) -> str | None:
        """The archive reason id, None when not archived."""
        d = self._doc
        if d is None:
            return self._reason
        return d["archived"]["reason"] if d["archived"] is not None else None

    @property
    def archived_at(self) -> int | None:
        """When it was archived, None when not archived."""
        d = self._doc
        if d is None:
            return self._archived_at
        return d["archived"]["archivedAt"] if d["archived"] is not None else None

    @property
    def stage(self) -> str:
        d = self._doc
        return self._stage if d is None else d["stage"]

    @property
    def origin(self) -> str:
        d = self._doc
        return self._origin if d is None else d["origin"]

    @property
    def confidentiality(self) -> str:
        d = self._doc
        return self._visibility if d is None else d["confidentiality"]

    @property
    def tags(self) -> Sequence[str]:
        d = self._doc
        return self._tags if d is None else d["tags"]

    @property
    def sources(self) -> Sequence[str]:
        d = self._doc
        return self._sources if d is None else d["sources"]

    @property
    def emails(self) -> Sequence[str]:
        d = self._doc
        return self._emails if d is None else d["emails"]

    @property
    def contact(self) -> str:
        """The contact id (frozen: read from the JSON, where `"contact":"` occurs only as
        the top-level key, since a quote inside a string value is escaped)."""
        d = self._doc
        if d is not None:
            return d["contact"]
        raw = self.raw
        at = raw.index(_CONTACT_KEY) + len(_CONTACT_KEY)
        return raw[at : raw.index(b'"', at)].decode()

    @property
    def location(self) -> str:
        """The `opportunityLocation` (the posting's location, "" without one)."""
        d = self._doc
        return self._location if d is None else d["opportunityLocation"]

    @property
    def snoozed_until(self) -> int | None:
        d = self._doc
        return self._snoozed if d is None else d["snoozedUntil"]

    @property
    def has_application(self) -> bool:
        d = self._doc
        return self.posting is not None if d is None else bool(d["applications"])


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
