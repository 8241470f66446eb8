"""Deterministic synthetic Lever account: every object the sandbox serves, from one seed.

Why it is built this way: 100,000 opportunities must generate in seconds and fit in well
under 2 GB. So the account-level objects (stages, users, postings, templates,
opportunities) are plain dicts made in one pass of `random.Random(seed)`, while each
opportunity's sub-resources (interviews, panels, feedback, notes, resumes, files, offers)
are only *counted* up front and generated on demand from a per-opportunity seed. Asking
twice gives the same bytes; only sub-resources that a write touched are kept in memory.

All timestamps are milliseconds in the two years before `ANCHOR_MS` (a fixed instant, not
the clock, so the same seed gives the same bytes on any day). Writes stamp the real clock.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from lever_pipeline.sandbox import vocab

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


class _Chooser:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: tuple | list, weights: tuple | list) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


class OppRecord:
    """One opportunity: its public document plus what the API derives from it.

    `counts` fixes how many sub-resources the generator makes (interviews, panels, feedback,
    notes, resumes, files, offers); `children` holds them once a write made them real.
    """

    __slots__ = ("children", "counts", "deleted_at", "deleted_by", "doc", "index", "posting", "raw")

    def __init__(self, doc: Doc, index: int, posting: str | None, counts: tuple[int, ...]) -> None:
        self.doc = doc
        self.index = index
        self.posting = posting
        self.counts = counts
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


# --------------------------------------------------------------------------- account


def generate(seed: int, opportunities: int) -> World:
    """Build the account for `seed` with `opportunities` live opportunities (plus ~1% deleted)."""
    rng = random.Random(seed)
    start = ANCHOR_MS - SPAN_MS
    stages = _stages(rng)
    reasons = _archive_reasons(rng, start)
    users = _users(rng, start, min(2000, 12 + opportunities // 40))
    postings = _postings(rng, start, min(3000, 6 + opportunities // 30), users)
    templates = _templates(rng, start, stages)
    n_deleted = opportunities // 100
    records = _opportunities(rng, start, opportunities + n_deleted, stages, users, postings, reasons)
    deleted = records[:: max(1, len(records) // n_deleted)][:n_deleted] if n_deleted else []
    deleted_ids = {r.id for r in deleted}
    for r in deleted:
        r.deleted_at = min(ANCHOR_MS, r.doc["updatedAt"] + DAY_MS * (1 + r.index % 9))
        r.deleted_by = users[r.index % len(users)]["id"]
    live = [r for r in records if r.id not in deleted_ids]
    live.sort(key=lambda r: (r.doc["createdAt"], r.doc["id"]))
    deleted.sort(key=lambda r: (r.deleted_at, r.doc["id"]))
    return World(seed, stages, reasons, users, postings, templates, live, deleted)


def _stages(rng: random.Random) -> list[Doc]:
    return [{"id": sid or new_uuid(rng), "text": text} for sid, text in vocab.STAGES]


def _archive_reasons(rng: random.Random, start: int) -> list[Doc]:
    return [{"id": new_uuid(rng), "text": t, "status": "active", "type": kind} for t, kind in vocab.ARCHIVE_REASONS]


_ASCII = str.maketrans({"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ñ": "n", " ": "", "'": ""})
_LOCALS: dict[tuple[str, str], str] = {}


def email_local(first: str, last: str) -> str:
    """The ASCII local part of an email address for a person's name."""
    key = (first, last)
    local = _LOCALS.get(key)
    if local is None:
        local = _LOCALS[key] = f"{first}.{last}".lower().translate(_ASCII)
    return local


def _person(rng: random.Random) -> tuple[str, str, str]:
    first = rng.choice(vocab.FIRST_NAMES)
    last = rng.choice(vocab.LAST_NAMES)
    return first, last, email_local(first, last)


def _users(rng: random.Random, start: int, n: int) -> list[Doc]:
    role = _Chooser(vocab.ACCESS_ROLES, vocab.ACCESS_ROLE_WEIGHTS)
    users: list[Doc] = []
    for i in range(n):
        first, last, local = _person(rng)
        username = f"{local}{i}"
        created = start - DAY_MS * 30 + rng.randrange(SPAN_MS // 2)
        # A few deactivated users (never the first three, so there is always an admin).
        deactivated = created + DAY_MS * rng.randrange(10, 300) if i >= 3 and i % 9 == 4 else None
        users.append(
            {
                "id": new_uuid(rng),
                "name": f"{first} {last}",
                "username": username,
                "email": f"{username}@acme-recruiting.example",
                "accessRole": "super admin" if i == 0 else role(rng),
                "photo": None,
                "createdAt": created,
                "deactivatedAt": deactivated,
                "externalDirectoryId": f"ext-{i:05d}" if i % 3 == 0 else None,
                "linkedContactIds": None,
                "jobTitle": rng.choice(vocab.TITLES),
                "managerId": users[rng.randrange(i)]["id"] if i > 0 and rng.random() < 0.7 else None,
            }
        )
    users.sort(key=lambda u: (u["createdAt"], u["id"]))
    return users


def _postings(rng: random.Random, start: int, n: int, users: list[Doc]) -> list[Doc]:
    state = _Chooser(vocab.POSTING_STATES, vocab.POSTING_STATE_WEIGHTS)
    postings: list[Doc] = []
    for i in range(n):
        pid = new_uuid(rng)
        team = rng.choice(vocab.TEAMS)
        title = f"{rng.choice(vocab.TITLES)}, {team}"
        location = rng.choice(vocab.CITIES)
        commitment = rng.choice(vocab.COMMITMENTS)
        st = vocab.POSTING_STATES[i] if i < len(vocab.POSTING_STATES) else state(rng)
        owner = rng.choice(users)["id"]
        manager = rng.choice(users)["id"] if rng.random() < 0.8 else None
        created = start + rng.randrange(SPAN_MS - 30 * DAY_MS)
        low = rng.randrange(60, 180) * 1000
        channels = {"published": ["public", "internal"], "internal": ["internal"]}.get(st)
        postings.append(
            {
                "id": pid,
                "text": title,
                "state": st,
                "distributionChannels": channels,
                "user": owner,
                "owner": owner,
                "hiringManager": manager,
                "categories": {
                    "commitment": commitment,
                    "department": rng.choice(vocab.DEPARTMENTS),
                    "level": rng.choice(vocab.LEVELS),
                    "location": location,
                    "team": team,
                    "allLocations": [location],
                },
                "tags": rng.sample(vocab.TAGS, rng.randrange(0, 3)),
                "content": {
                    "description": f"Join the {team} team as a {title}.",
                    "descriptionHtml": f"<div>Join the {team} team as a {title}.</div>",
                    "lists": [
                        {"text": "Requirements", "content": "<li>Curiosity</li><li>Clear writing</li>"},
                        {"text": "What you will do", "content": "<li>Ship things</li><li>Review code</li>"},
                    ],
                    "closing": "We look forward to hearing from you.",
                    "closingHtml": "<div>We look forward to hearing from you.</div>",
                },
                "country": "US",
                "followers": sorted({owner, rng.choice(users)["id"]}),
                "reqCode": f"REQ-{i:04d}" if i % 2 == 0 else None,
                "requisitionCodes": [f"REQ-{i:04d}"] if i % 2 == 0 else [],
                "salaryRange": {"min": low, "max": low + 40_000, "currency": "USD", "interval": "per-year-salary"},
                "salaryDescription": "Base salary; equity on top.",
                "urls": {
                    "list": "https://jobs.lever.co/acme",
                    "show": f"https://jobs.lever.co/acme/{pid}",
                    "apply": f"https://jobs.lever.co/acme/{pid}/apply",
                },
                "confidentiality": "confidential" if i % 17 == 16 else "non-confidential",
                "createdAt": created,
                "updatedAt": created + rng.randrange(30 * DAY_MS),
                "workplaceType": rng.choice(vocab.WORKPLACE_TYPES),
            }
        )
    postings.sort(key=lambda p: (p["createdAt"], p["id"]))
    return postings


def _templates(rng: random.Random, start: int, stages: list[Doc]) -> list[Doc]:
    templates: list[Doc] = [
        {
            "id": "no-feedback",
            "text": "No feedback",
            "group": None,
            "instructions": "",
            "fields": [],
            "createdAt": start,
            "updatedAt": start,
            "stage": None,
        }
    ]
    group = {"id": new_uuid(rng), "name": "Interview kits"}
    for n, (text, instructions, stage_i, fields) in enumerate(vocab.TEMPLATES):
        created = start + DAY_MS * (n + 1)
        stage = stages[stage_i]
        templates.append(
            {
                "id": new_uuid(rng),
                "text": text,
                "group": group,
                "instructions": instructions,
                "fields": [_template_field(rng, *f) for f in fields],
                "createdAt": created,
                "updatedAt": created,
                "stage": {"id": stage["id"], "text": stage["text"]},
            }
        )
    return templates


def _template_field(rng: random.Random, ftype: str, text: str, required: bool, extra: dict) -> Doc:
    f: Doc = {"id": new_uuid(rng), "type": ftype, "text": text, "description": "", "required": required}
    if ftype == "score-system":
        f["prompt"] = "Select one"
        f["options"] = [{"text": o} for o in vocab.SCORE_SYSTEM_OPTIONS]
    elif ftype == "dropdown":
        f["prompt"] = "Select one"
        f["options"] = [{"text": o} for o in extra["options"]]
    elif ftype in ("multiple-choice", "multiple-select"):
        f["options"] = [{"text": o} for o in extra["options"]]
    elif ftype == "scorecard":
        f["scores"] = [{"text": s, "description": f"How well did they show {s.lower()}?"} for s in extra["scores"]]
    elif ftype == "code":
        f["language"] = extra["language"]
    elif ftype == "currency":
        f["currency"] = extra["currency"]
    return f


def _opportunities(
    rng: random.Random,
    start: int,
    n: int,
    stages: list[Doc],
    users: list[Doc],
    postings: list[Doc],
    reasons: list[Doc],
) -> list[OppRecord]:
    stage_pick = _Chooser(list(range(len(stages))), vocab.STAGE_WEIGHTS)
    origin_pick = _Chooser(vocab.ORIGINS, vocab.ORIGIN_WEIGHTS)
    user_ids = [u["id"] for u in users]
    n_users = len(user_ids)
    n_postings = len(postings)
    hired_reason = reasons[0]["id"]
    other_reasons = [r["id"] for r in reasons[1:]]
    stage_ids = [s["id"] for s in stages]
    offer_i = len(stages) - 2
    rand = rng.random
    randrange = rng.randrange
    choice = rng.choice
    records: list[OppRecord] = []
    for i in range(n):
        oid = new_uuid(rng)
        contact = new_uuid(rng)
        first = choice(vocab.FIRST_NAMES)
        last = choice(vocab.LAST_NAMES)
        created = start + randrange(SPAN_MS - DAY_MS)
        stage_i = stage_pick(rng)
        origin = origin_pick(rng)
        has_posting = stage_i >= 3 or rand() < 0.3
        posting = postings[randrange(n_postings)] if has_posting and n_postings else None
        # stage history: a walk through earlier stages ending at the current one
        first_stage = 3 if stage_i >= 3 and origin == "applied" else 0
        path = sorted({first_stage, stage_i, *(randrange(first_stage, stage_i + 1) for _ in range(randrange(0, 3)))})
        horizon = min(ANCHOR_MS - created, DAY_MS * 90)
        t = created
        changes = []
        for s in path:
            changes.append(
                {"toStageId": stage_ids[s], "toStageIndex": s, "updatedAt": t, "userId": user_ids[randrange(n_users)]}
            )
            t += randrange(max(1, horizon // (len(path) + 1)))
        last_advanced = changes[-1]["updatedAt"]
        archived = None
        r = rand()
        if stage_i == len(stages) - 1 or (stage_i == offer_i and r < 0.5):
            archived = {"reason": hired_reason, "archivedAt": t}
        elif r < 0.3:
            archived = {"reason": other_reasons[randrange(len(other_reasons))], "archivedAt": t}
        updated = min(ANCHOR_MS, t + randrange(DAY_MS))
        local = email_local(first, last)
        email = f"{local}{i}@{choice(vocab.DOMAINS)}"
        emails = [email.capitalize() if i % 10 == 3 else email]
        if rand() < 0.2:
            emails.append(f"{local[:1]}{i}@personal.example")
        owner = user_ids[randrange(n_users)]
        tags = [vocab.TAGS[randrange(len(vocab.TAGS))] for _ in range(randrange(0, 3))]
        location = ""
        if posting is not None:
            cat = posting["categories"]
            tags += [cat["team"], cat["commitment"]]
            location = cat["location"]
        tags = list(dict.fromkeys(tags))
        n_int = 0 if stage_i < 4 else randrange(0, 5)
        n_panels = 0 if n_int == 0 else (1 if n_int <= 2 else 2)
        counts = (
            n_int,
            n_panels,
            randrange(0, n_int + 1) + (1 if rand() < 0.05 else 0),
            randrange(0, 4),
            0 if rand() < 0.15 else (1 if rand() < 0.9 else 2),
            randrange(0, 3),
            1 if stage_i >= offer_i else 0,
        )
        doc = {
            "id": oid,
            "name": f"{first} {last}",
            "contact": contact,
            "headline": f"{choice(vocab.TITLES)} at {choice(vocab.COMPANIES)}",
            "stage": stage_ids[stage_i],
            "confidentiality": "non-confidential",
            "location": choice(vocab.CITIES),
            "phones": [{"type": "mobile", "value": f"555{randrange(10**7):07d}"}] if rand() < 0.8 else [],
            "emails": emails,
            "links": [f"https://www.linkedin.com/in/{local}-{i}"] if rand() < 0.6 else [],
            "archived": archived,
            "tags": tags,
            "sources": [vocab.SOURCES[randrange(len(vocab.SOURCES))]],
            "stageChanges": changes,
            "origin": origin,
            "sourcedBy": owner if origin in ("sourced", "referred") else None,
            "owner": owner,
            "followers": list(dict.fromkeys((owner, user_ids[randrange(n_users)]))),
            "applications": [new_uuid(rng)] if posting is not None else [],
            "createdAt": created,
            "updatedAt": updated,
            "lastInteractionAt": updated,
            "lastAdvancedAt": last_advanced,
            "snoozedUntil": ANCHOR_MS + DAY_MS * randrange(1, 400) if rand() < 0.03 else None,
            "urls": {
                "list": "https://hire.lever.co/candidates",
                "show": f"https://hire.lever.co/candidates/{oid}",
            },
            "isAnonymized": False,
            "dataProtection": None,
            "opportunityLocation": location,
        }
        records.append(OppRecord(doc, i, posting["id"] if posting is not None else None, counts))
    return records
