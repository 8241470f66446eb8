"""Opportunities: each one's document, and how many sub-resources it will have.

The hot loop of generation (1,000,000 opportunities in about a minute), so the RNG's
methods are bound once. Draw order inside `_Maker.one` is the data: keep it. Each record is
frozen as soon as it is drawn (data.py `OppRecord`), so the account never holds a million
document dicts at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.data import ANCHOR_MS, DAY_MS, SPAN_MS, Doc, OppRecord, new_uuid
from lever_pipeline.sandbox.generate.draw import Chooser, email_local


def opportunities(
    rng: random.Random,
    start: int,
    n: int,
    stages: list[Doc],
    users: list[Doc],
    postings: list[Doc],
    reasons: list[Doc],
) -> list[OppRecord]:
    """`n` opportunities in draw order (record `index` i is the i-th drawn)."""
    maker = _Maker(rng, start, stages, users, postings, reasons)
    return [maker.one(i) for i in range(n)]


def same_randrange(rng: random.Random) -> Callable[..., int]:
    """`rng.randrange(stop)` / `rng.randrange(start, stop)`, drawing exactly what CPython's
    does (its `_randbelow`: the bit length's worth of `getrandbits`, redrawn until below the
    width) in one Python call instead of three (a tenth of the generation time)."""
    getrandbits = rng.getrandbits

    def randrange(start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        n = stop - start
        if n <= 0:
            raise ValueError(f"empty range for randrange({start}, {stop})")
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return start + r

    return randrange


class _Maker:
    """Draws one opportunity at a time from the account's RNG."""

    def __init__(
        self,
        rng: random.Random,
        start: int,
        stages: list[Doc],
        users: list[Doc],
        postings: list[Doc],
        reasons: list[Doc],
    ) -> None:
        self.rng = rng
        self.rand = rng.random
        self.randrange = same_randrange(rng)
        self.choice = rng.choice
        self.start = start
        self.stage_pick = Chooser(list(range(len(stages))), vocab.STAGE_WEIGHTS)
        self.origin_pick = Chooser(vocab.ORIGINS, vocab.ORIGIN_WEIGHTS)
        self.user_ids = [u["id"] for u in users]
        self.n_users = len(self.user_ids)
        self.postings = postings
        self.n_postings = len(postings)
        self.hired_reason = reasons[0]["id"]
        self.other_reasons = [r["id"] for r in reasons[1:]]
        self.stage_ids = [s["id"] for s in stages]
        self.last_stage = len(stages) - 1
        self.offer_i = len(stages) - 2
        #: equal values (tag tuples, count tuples, stage ids...) shared by every record
        self.intern: dict = {}
        self.shared = self.intern.setdefault

    def one(self, i: int) -> OppRecord:
        """The `i`-th opportunity."""
        rng, rand, randrange, choice = self.rng, self.rand, self.randrange, self.choice
        user_ids = self.user_ids
        oid = new_uuid(rng)
        contact = new_uuid(rng)
        first = choice(vocab.FIRST_NAMES)
        last = choice(vocab.LAST_NAMES)
        created = self.start + randrange(SPAN_MS - DAY_MS)
        stage_i = self.stage_pick(rng)
        origin = self.origin_pick(rng)
        has_posting = stage_i >= 3 or rand() < 0.3
        posting = self.postings[randrange(self.n_postings)] if has_posting and self.n_postings else None
        changes, t = self._stage_history(created, stage_i, origin)
        archived = self._archived(stage_i, t)
        updated = min(ANCHOR_MS, t + randrange(DAY_MS))
        local = email_local(first, last)
        emails = self._emails(local, i)
        owner = user_ids[randrange(self.n_users)]
        tags, location = self._tags_and_location(posting)
        counts = self._counts(stage_i)
        doc = {
            "id": oid,
            "name": f"{first} {last}",
            "contact": contact,
            "headline": f"{choice(vocab.TITLES)} at {choice(vocab.COMPANIES)}",
            "stage": self.stage_ids[stage_i],
            # Lever renders a candidacy on a confidential posting confidential.
            "confidentiality": posting["confidentiality"] if posting is not None else "non-confidential",
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
            "followers": list(dict.fromkeys((owner, user_ids[randrange(self.n_users)]))),
            "applications": [new_uuid(rng)] if posting is not None else [],
            "createdAt": created,
            "updatedAt": updated,
            "lastInteractionAt": updated,
            "lastAdvancedAt": changes[-1]["updatedAt"],
            "snoozedUntil": ANCHOR_MS + DAY_MS * randrange(1, 400) if rand() < 0.03 else None,
            "urls": {
                "list": "https://hire.lever.co/candidates",
                "show": f"https://hire.lever.co/candidates/{oid}",
            },
            "isAnonymized": False,
            "dataProtection": None,
            "opportunityLocation": location,
        }
        rec = OppRecord(doc, i, posting["id"] if posting is not None else None, self.shared(counts, counts))
        rec.freeze(self.intern)
        return rec

    def _stage_history(self, created: int, stage_i: int, origin: str) -> tuple[list[Doc], int]:
        """A walk through earlier stages ending at `stage_i` (applicants start at stage 3);
        returns the stageChanges and the time just after the last one."""
        randrange = self.randrange
        first_stage = 3 if stage_i >= 3 and origin == "applied" else 0
        path = sorted({first_stage, stage_i, *(randrange(first_stage, stage_i + 1) for _ in range(randrange(0, 3)))})
        horizon = min(ANCHOR_MS - created, DAY_MS * 90)
        t = created
        changes = []
        for s in path:
            changes.append(
                {
                    "toStageId": self.stage_ids[s],
                    "toStageIndex": s,
                    "updatedAt": t,
                    "userId": self.user_ids[randrange(self.n_users)],
                }
            )
            t += randrange(max(1, horizon // (len(path) + 1)))
        return changes, t

    def _archived(self, stage_i: int, at: int) -> Doc | None:
        """Hired at the last stage and for half of the offers; else archived 30% of the time."""
        r = self.rand()
        if stage_i == self.last_stage or (stage_i == self.offer_i and r < 0.5):
            return {"reason": self.hired_reason, "archivedAt": at}
        if r < 0.3:
            return {"reason": self.other_reasons[self.randrange(len(self.other_reasons))], "archivedAt": at}
        return None

    def _emails(self, local: str, i: int) -> list[str]:
        """A work address (every tenth capitalized, to exercise case-insensitive matching),
        sometimes a personal one too."""
        email = f"{local}{i}@{self.choice(vocab.DOMAINS)}"
        emails = [email.capitalize() if i % 10 == 3 else email]
        if self.rand() < 0.2:
            emails.append(f"{local[:1]}{i}@personal.example")
        return emails

    def _tags_and_location(self, posting: Doc | None) -> tuple[list[str], str]:
        """A few random tags plus the posting's team and commitment; the posting's location."""
        randrange = self.randrange
        tags = [vocab.TAGS[randrange(len(vocab.TAGS))] for _ in range(randrange(0, 3))]
        location = ""
        if posting is not None:
            cat = posting["categories"]
            tags += [cat["team"], cat["commitment"]]
            location = cat["location"]
        return list(dict.fromkeys(tags)), location

    def _counts(self, stage_i: int) -> tuple[int, ...]:
        """How many interviews, panels, feedback forms, notes, resumes, files and offers it has."""
        rand, randrange = self.rand, self.randrange
        n_int = 0 if stage_i < 4 else randrange(0, 5)
        n_panels = 0 if n_int == 0 else (1 if n_int <= 2 else 2)
        return (
            n_int,
            n_panels,
            randrange(0, n_int + 1) + (1 if rand() < 0.05 else 0),
            randrange(0, 4),
            0 if rand() < 0.15 else (1 if rand() < 0.9 else 2),
            randrange(0, 3),
            1 if stage_i >= self.offer_i else 0,
        )
