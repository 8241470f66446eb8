"""Requisitions, requisition fields, profile form templates, deleted postings, and each
opportunity's referrals, profile forms and file actions.

Everything here is drawn from streams of its own: one for the account (`extras_rng`) and one
per opportunity (`opportunity_rng`), both seeded from strings that no older stream uses. The
main stream (world.py) and the per-opportunity children stream (children.py) draw exactly
what they drew before these objects existed, so the older objects keep their bytes; the one
deliberate change is that a generated opportunity with origin `referred` now has an
application of type `referral` whose `user` is the referrer (Lever's Applications docs: for
a referral, `user` is the employee who made it).

Where the shapes come from:
- Requisitions: REFERENCE.md's recorded object, with the key order of a recorded list; the
  custom fields' types (number, text, date, object with subfields, dropdown with options)
  from REFERENCE.md's `/requisition_fields`.
- Referral forms: the fields tap-lever's and Airbyte's referral schemas read (`type`,
  `text`, `instructions`, `fields`, `baseTemplateId`, `user`, `referrer`, `stage`,
  `createdAt`, `completedAt`); field values are strings, as both connectors type them.
- Profile forms: Lever's docs list them under Profile Forms with templates at
  `/form_templates` (the Activepieces Lever piece filters forms by `baseTemplateId`); the
  object is modelled on feedback forms, plus `secret` (Lever's help centre: forms can be
  secret). (unconfirmed)
- File actions: the Nango Lever template's shape `{id, opportunityId, type, occurredAt,
  createdAt, user: {id}, meta}` with types `file-added`, `resume-imported`, `file-remove`.
  (unconfirmed: no recording had any)
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.data import ANCHOR_MS, DAY_MS, Children, Doc, OppRecord, World, new_uuid
from lever_pipeline.sandbox.generate.feedback import field_value

REQUISITION_STATUSES = ("open", "closed", "onHold", "draft")
REFERRAL_INSTRUCTIONS = "Tell us about the person you are referring."


def extras_rng(seed: int) -> random.Random:
    """The account-level stream of everything in this module."""
    return random.Random(f"lever-sandbox/{seed}/extras")


def opportunity_rng(seed: int, index: int) -> random.Random:
    """The stream of one opportunity's referrals, profile forms and file actions."""
    return random.Random(f"lever-sandbox/{seed}/{index}/extras")


def add_extras(world: World, records: list[OppRecord]) -> None:
    """Draw the account-level extras into `world`; `records` are every generated opportunity
    (live and deleted) in draw order. Order of draws: form templates, profile-form counts,
    requisitions, deleted postings."""
    rng = extras_rng(world.seed)
    start = ANCHOR_MS - 2 * 365 * DAY_MS
    world.generated = len(records)
    world.requisition_fields = requisition_fields()
    world.form_templates = form_templates(rng, start)
    for rec in records:
        r = rng.random()
        rec.forms = 0 if r < 0.75 else (1 if r < 0.95 else 2)
    world.requisitions, world.requisition_hires = requisitions(rng, world)
    world.deleted_postings = deleted_postings(rng, world)


def requisition_fields() -> list[Doc]:
    """The account's requisition custom fields (`GET /requisition_fields`)."""
    out: list[Doc] = []
    for fid, text, ftype, required, extra in vocab.REQUISITION_FIELDS:
        field: Doc = {"id": fid, "text": text, "type": ftype, "isRequired": required}
        if "subfields" in extra:
            field["subfields"] = [{"id": s, "text": t, "type": st} for s, t, st in extra["subfields"]]
        if "options" in extra:
            field["options"] = [{"text": o} for o in extra["options"]]
        out.append(field)
    return out


def form_templates(rng: random.Random, start: int) -> list[Doc]:
    """Profile form templates (`GET /form_templates`); the first is the referral form."""
    out: list[Doc] = []
    for n, (text, instructions, fields) in enumerate(vocab.FORM_TEMPLATES):
        created = start + DAY_MS * (n + 1)
        out.append(
            {
                "id": new_uuid(rng),
                "text": text,
                "instructions": instructions,
                "fields": [_form_field(rng, *f) for f in fields],
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return out


def _form_field(rng: random.Random, ftype: str, text: str, required: bool, extra: dict) -> Doc:
    f: Doc = {"id": new_uuid(rng), "type": ftype, "text": text, "description": "", "required": required}
    if ftype == "dropdown":
        f["prompt"] = "Select one"
    if "options" in extra:
        f["options"] = [{"text": o} for o in extra["options"]]
    if "currency" in extra:
        f["currency"] = extra["currency"]
    return f


def requisitions(rng: random.Random, world: World) -> tuple[list[Doc], dict[str, list[OppRecord]]]:
    """One requisition per requisition code the postings carry (headcount hired = the live
    opportunities hired on that posting), then a few without postings. Sorted by (createdAt, id).

    Returns the requisitions and, per requisition id, the hired opportunities it counts.
    """
    hired_reason = world.archive_reasons[0]["id"]
    hires: dict[str, list[OppRecord]] = defaultdict(list)
    for rec in world.opportunities:
        if rec.archive_reason == hired_reason and rec.posting is not None:
            hires[rec.posting].append(rec)
    users = world.users
    out: list[Doc] = []
    by_req: dict[str, list[OppRecord]] = {}
    for posting in world.postings:
        for code in posting["requisitionCodes"]:
            hired = sorted(hires.get(posting["id"], ()), key=lambda r: r.archived_at)
            req = _requisition(rng, users, code, posting, hired)
            by_req[req["id"]] = hired
            out.append(req)
    for k in range(max(1, len(world.postings) // 10)):
        req = _requisition(rng, users, f"REQ-S{k:03d}", None, [])
        by_req[req["id"]] = []
        out.append(req)
    out.sort(key=lambda r: (r["createdAt"], r["id"]))
    return out, by_req


def _requisition(rng: random.Random, users: list[Doc], code: str, posting: Doc | None, hired: list[OppRecord]) -> Doc:
    """One requisition in the key order of a recorded list response."""
    rid = new_uuid(rng)
    if posting is not None:
        cat = posting["categories"]
        name, team, department, location = posting["text"], cat["team"], cat["department"], cat["location"]
        commitment = cat["commitment"]
        created = max(ANCHOR_MS - 2 * 365 * DAY_MS, posting["createdAt"] - DAY_MS * rng.randrange(1, 30))
        owner, manager = posting["owner"], posting["hiringManager"]
        band = {k: posting["salaryRange"][k] for k in ("min", "max", "currency", "interval")}
        confidentiality = posting["confidentiality"]
        posting_ids = [posting["id"]]
        closed_state = posting["state"] == "closed"
    else:
        team = rng.choice(vocab.TEAMS)
        name = f"{rng.choice(vocab.TITLES)}, {team}"
        department, location, commitment = rng.choice(vocab.DEPARTMENTS), rng.choice(vocab.CITIES), "Full-time"
        created = ANCHOR_MS - 2 * 365 * DAY_MS + rng.randrange(2 * 365 * DAY_MS - 60 * DAY_MS)
        owner = rng.choice(users)["id"]
        manager = rng.choice(users)["id"]
        low = rng.randrange(60, 180) * 1000
        band = {"min": low, "max": low + 40_000, "currency": "USD", "interval": "per-year-salary"}
        confidentiality = "confidential" if rng.random() < 0.15 else "non-confidential"
        posting_ids = []
        closed_state = False
    infinite = rng.random() < 0.05
    n_hired = len(hired)
    total: int | str = "unlimited" if infinite else max(1, n_hired + rng.randrange(0, 3))
    filled = not infinite and n_hired >= int(total)
    last_hire = hired[-1].archived_at if hired else None
    if filled or closed_state:
        status = "closed"
        closed_at = max(created + DAY_MS, last_hire or created + DAY_MS * rng.randrange(20, 120))
        closed_at = min(closed_at, ANCHOR_MS)
    else:
        status = "onHold" if rng.random() < 0.05 else "open"
        closed_at = None
    backfill = rng.random() < 0.15
    updated = min(ANCHOR_MS, max(created, closed_at or 0, last_hire or 0) + rng.randrange(DAY_MS))
    return {
        "id": rid,
        "requisitionCode": code,
        "name": name,
        "backfill": backfill,
        "confidentiality": confidentiality,
        "createdAt": created,
        "creator": owner,
        "headcountHired": n_hired,
        "headcountTotal": total,
        "status": status,
        "hiringManager": manager,
        "owner": owner,
        "employmentStatus": commitment,
        "location": location,
        "internalNotes": rng.choice(vocab.REQUISITION_NOTES),
        "department": department,
        "team": team,
        "headcountInfinite": infinite,
        "compensationBand": band,
        "approval": {"steps": []},
        "postings": posting_ids,
        "offerIds": [],
        "timeToFillStartAt": created,
        "timeToFillEndAt": last_hire if filled else None,
        "updatedAt": updated,
        "customFields": _custom_fields(rng, created, location, backfill, band),
        "closedAt": closed_at,
    }


def _custom_fields(rng: random.Random, created: int, location: str, backfill: bool, band: Doc) -> Doc:
    """Values for some of the account's requisition fields (absent ones were never filled in)."""
    values: Doc = {}
    if rng.random() < 0.8:
        values["cost_center"] = {"city": location.split(",")[0], "campus_code": rng.choice(vocab.CAMPUS_CODES)}
    if rng.random() < 0.7:
        values["target_hire_date"] = created + DAY_MS * rng.randrange(45, 120)
    if rng.random() < 0.5:
        values["rec_start_date"] = created + DAY_MS * rng.randrange(0, 14)
    values["hiring_reason"] = "Backfill" if backfill else rng.choice(("Growth", "Replacement"))
    if rng.random() < 0.6:
        values["budgeted_salary"] = band["max"]
    if rng.random() < 0.2:
        values["finance_notes"] = "Approved in the annual plan"
    return values


def deleted_postings(rng: random.Random, world: World) -> list[Doc]:
    """Postings deleted before the anchor (`GET /postings/deleted`), never listed by /postings.

    They are new postings, not removed ones, so every posting an opportunity names still exists.
    """
    users = world.users
    out: list[Doc] = []
    for i in range(max(1, len(world.postings) // 20)):
        pid = new_uuid(rng)
        team = rng.choice(vocab.TEAMS)
        title = f"{rng.choice(vocab.TITLES)}, {team}"
        location = rng.choice(vocab.CITIES)
        owner = rng.choice(users)["id"]
        created = ANCHOR_MS - 2 * 365 * DAY_MS + rng.randrange(2 * 365 * DAY_MS - 60 * DAY_MS)
        low = rng.randrange(60, 180) * 1000
        out.append(
            {
                "id": pid,
                "text": title,
                "state": rng.choice(("closed", "draft")),
                "distributionChannels": None,
                "user": owner,
                "owner": owner,
                "hiringManager": None,
                "categories": {
                    "commitment": rng.choice(vocab.COMMITMENTS),
                    "department": rng.choice(vocab.DEPARTMENTS),
                    "level": None,
                    "location": location,
                    "team": team,
                    "allLocations": [location],
                },
                "tags": [],
                "content": {
                    "description": f"Join the {team} team as a {title}.",
                    "descriptionHtml": f"<div>Join the {team} team as a {title}.</div>",
                    "lists": [],
                    "closing": "",
                    "closingHtml": "",
                },
                "country": "US",
                "followers": [owner],
                "reqCode": None,
                "requisitionCodes": [],
                "salaryRange": {"min": low, "max": low + 40_000, "currency": "USD", "interval": "per-year-salary"},
                "salaryDescription": "",
                "urls": {
                    "list": "https://jobs.lever.co/acme",
                    "show": f"https://jobs.lever.co/acme/{pid}",
                    "apply": f"https://jobs.lever.co/acme/{pid}/apply",
                },
                "confidentiality": "confidential" if i % 7 == 6 else "non-confidential",
                "createdAt": created,
                "updatedAt": created + DAY_MS,
                "workplaceType": "unspecified",
                "deletedAt": created + DAY_MS * rng.randrange(2, 50),
                "deletedBy": rng.choice(users)["id"],
            }
        )
    out.sort(key=lambda p: (p["deletedAt"], p["id"]))
    return out


def resolve_offer_ids(world: World, offers_of: Callable[[OppRecord], list[Doc]]) -> None:
    """Fill each generated requisition's `offerIds` with the offers of the hires it counts.

    Done once, when requisitions are first read, because it needs those opportunities'
    generated offers: at 100,000 opportunities that is ~5,000 children generations, which
    account generation should not pay for. `offers_of(rec)` returns an opportunity's offers.
    """
    for req in world.requisitions:
        hired = world.requisition_hires.pop(req["id"], None)
        if hired:
            req["offerIds"] = [o["id"] for rec in hired for o in offers_of(rec)]


def opportunity_extras(world: World, rec: OppRecord, doc: Doc, kids: Children) -> None:
    """Add the referral, profile forms and file actions of a generated opportunity (`doc` is
    its document) to `kids` (opportunities created through writes have none)."""
    if rec.index >= world.generated:
        return
    rng = opportunity_rng(world.seed, rec.index)
    created = doc["createdAt"]
    horizon = max(2, min(ANCHOR_MS, created + 60 * DAY_MS) - created)
    if doc["origin"] == "referred" and world.form_templates:
        active = [u for u in world.users if u["deactivatedAt"] is None and u["createdAt"] <= ANCHOR_MS]
        referrer = rng.choice(active or world.users)["id"]
        if kids.application:
            kids.application["type"] = "referral"
            kids.application["user"] = referrer
        kids.referrals.append(_referral(rng, world.form_templates[0], referrer, doc))
    for _ in range(rec.forms):
        template = world.form_templates[1 + rng.randrange(len(world.form_templates) - 1)]
        user = world.users[rng.randrange(len(world.users))]["id"]
        at = created + 1 + rng.randrange(horizon - 1)
        kids.forms.append(profile_form(rng, template, user, at, doc["stageChanges"][0]["toStageId"]))
    kids.forms.sort(key=lambda d: (d["createdAt"], d["id"]))
    owner = doc["owner"]
    for r in kids.resumes:
        meta = {"resumeId": r["id"], "fileName": r["file"]["name"]}
        kids.file_actions.append(file_action(new_uuid(rng), rec.id, "resume-imported", r["createdAt"], owner, meta))
    for f in kids.files:
        meta = {"fileId": f["id"], "fileName": f["name"]}
        kids.file_actions.append(file_action(new_uuid(rng), rec.id, "file-added", f["uploadedAt"], owner, meta))
    kids.file_actions.sort(key=lambda d: (d["occurredAt"], d["id"]))


def _referral(rng: random.Random, template: Doc, referrer: str, doc: Doc) -> Doc:
    """The referral form the referrer filled in when the candidate was referred."""
    relationship, strength, reason = template["fields"]
    values = {
        relationship["id"]: rng.choice(vocab.REFERRAL_RELATIONSHIPS),
        strength["id"]: rng.choice(strength["options"])["text"],
        reason["id"]: rng.choice(vocab.REFERRAL_REASONS) if rng.random() < 0.7 else None,
    }
    at = doc["createdAt"]
    return {
        "id": new_uuid(rng),
        "type": "referral",
        "text": template["text"],
        "instructions": template["instructions"],
        "fields": [{**f, "value": values[f["id"]]} for f in template["fields"]],
        "baseTemplateId": template["id"],
        "user": referrer,
        "referrer": referrer,
        "stage": doc["stageChanges"][0]["toStageId"],
        "createdAt": at,
        "completedAt": at,
    }


def profile_form(rng: random.Random, template: Doc, user: str, at: int, stage: str) -> Doc:
    """A profile form filled in from `template` (required fields always, others most times)."""
    fields = []
    for f in template["fields"]:
        value = field_value(rng, f) if f["required"] or rng.random() < 0.6 else None
        fields.append({**f, "value": value})
    return {
        "id": new_uuid(rng),
        "type": "form",
        "text": template["text"],
        "instructions": template["instructions"],
        "baseTemplateId": template["id"],
        "fields": fields,
        "user": user,
        "stage": stage,
        "secret": rng.random() < 0.1,
        "createdAt": at,
        "completedAt": at,
        "deletedAt": None,
    }


def file_action(aid: str, opp_id: str, kind: str, at: int, user: str | None, meta: Doc) -> Doc:
    """One entry of `/opportunities/:id/file_actions`."""
    return {
        "id": aid,
        "opportunityId": opp_id,
        "type": kind,
        "occurredAt": at,
        "createdAt": at,
        "user": {"id": user} if user else None,
        "meta": meta,
    }
