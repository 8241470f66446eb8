"""The account-level objects: stages, archive reasons, users, postings and feedback templates.

Each function draws from the account's one RNG; `world.generate` calls them in a fixed order.
"""

from __future__ import annotations

import random

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.data import DAY_MS, SPAN_MS, Doc, new_uuid
from lever_pipeline.sandbox.generate.draw import Chooser, person


def stages(rng: random.Random) -> list[Doc]:
    """The pipeline stages of vocab.STAGES, in order (fixed ids where Lever has them)."""
    return [{"id": sid or new_uuid(rng), "text": text} for sid, text in vocab.STAGES]


def archive_reasons(rng: random.Random) -> list[Doc]:
    """The archive reasons of vocab.ARCHIVE_REASONS; the first is the `hired` one."""
    return [{"id": new_uuid(rng), "text": t, "status": "active", "type": kind} for t, kind in vocab.ARCHIVE_REASONS]


def users(rng: random.Random, start: int, n: int) -> list[Doc]:
    """`n` users sorted by (createdAt, id), one of them a super admin."""
    role = Chooser(vocab.ACCESS_ROLES, vocab.ACCESS_ROLE_WEIGHTS)
    users: list[Doc] = []
    for i in range(n):
        first, last, local = person(rng)
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


def postings(rng: random.Random, start: int, n: int, users: list[Doc]) -> list[Doc]:
    """`n` postings sorted by (createdAt, id), with one in every state when `n` allows."""
    state = Chooser(vocab.POSTING_STATES, vocab.POSTING_STATE_WEIGHTS)
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
                "content": _posting_content(team, title),
                "country": "US",
                "followers": sorted({owner, rng.choice(users)["id"]}),
                "reqCode": f"REQ-{i:04d}" if i % 2 == 0 else None,
                "requisitionCodes": [f"REQ-{i:04d}"] if i % 2 == 0 else [],
                "salaryRange": {"min": low, "max": low + 40_000, "currency": "USD", "interval": "per-year-salary"},
                "salaryDescription": "Base salary; equity on top.",
                "urls": _posting_urls(pid),
                "confidentiality": "confidential" if i % 17 == 16 else "non-confidential",
                "createdAt": created,
                "updatedAt": created + rng.randrange(30 * DAY_MS),
                "workplaceType": rng.choice(vocab.WORKPLACE_TYPES),
            }
        )
    postings.sort(key=lambda p: (p["createdAt"], p["id"]))
    return postings


def _posting_content(team: str, title: str) -> Doc:
    return {
        "description": f"Join the {team} team as a {title}.",
        "descriptionHtml": f"<div>Join the {team} team as a {title}.</div>",
        "lists": [
            {"text": "Requirements", "content": "<li>Curiosity</li><li>Clear writing</li>"},
            {"text": "What you will do", "content": "<li>Ship things</li><li>Review code</li>"},
        ],
        "closing": "We look forward to hearing from you.",
        "closingHtml": "<div>We look forward to hearing from you.</div>",
    }


def _posting_urls(pid: str) -> Doc:
    return {
        "list": "https://jobs.lever.co/acme",
        "show": f"https://jobs.lever.co/acme/{pid}",
        "apply": f"https://jobs.lever.co/acme/{pid}/apply",
    }


def templates(rng: random.Random, start: int, stages: list[Doc]) -> list[Doc]:
    """The feedback templates: "No feedback" first, then one per vocab.TEMPLATES entry."""
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
