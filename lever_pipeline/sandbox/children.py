"""An opportunity's sub-resources, generated on demand from a per-opportunity seed.

`generate_children` is a pure function of (world seed, opportunity index, the opportunity's
creation-time facts), so the same opportunity always gets the same interviews, panels,
feedback, notes, resumes, files and offers without the account keeping them in memory.
The store keeps the result only once a write changes it.
"""

from __future__ import annotations

import random
from typing import Any

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.data import (
    ANCHOR_MS,
    DAY_MS,
    ROOT_PLACEHOLDER,
    Children,
    Doc,
    OppRecord,
    World,
    new_uuid,
)

OFFER_STATUSES = ("draft", "approval-sent", "approved", "sent", "sent-manually", "opened", "denied", "signed")
FILE_STATUSES = ("processed",) * 8 + ("processing", "unsupported", "error", None)


def child_rng(seed: int, index: int) -> random.Random:
    """The RNG of one opportunity's sub-resources (independent of every other opportunity)."""
    return random.Random(seed * 1_000_003 + index + 1)


def blob_bytes(object_id: str, name: str) -> bytes:
    """Deterministic contents of a generated file (same id and name, same bytes)."""
    line = f"Lever sandbox file {name} ({object_id})\n".encode()
    return b"%PDF-1.4\n% synthetic document\n" + line * (4 + int(object_id[:2], 16) % 29)


def download_url(opp_id: str, kind: str, object_id: str) -> str:
    """Absolute download URL; the placeholder becomes the server's root URL when served."""
    return f"{ROOT_PLACEHOLDER}/v1/opportunities/{opp_id}/{kind}/{object_id}/download"


def field_value(rng: random.Random, f: Doc) -> Any:
    """A valid value for a feedback template field (see REFERENCE.md field types)."""
    t = f["type"]
    if t in ("score-system", "dropdown", "multiple-choice"):
        return rng.choice(f["options"])["text"]
    if t == "multiple-select":
        opts = [o["text"] for o in f["options"]]
        return rng.sample(opts, rng.randrange(1, len(opts) + 1))
    if t == "score":
        return rng.randrange(1, 5)
    if t == "scorecard":
        return [{"score": rng.randrange(1, 5), "comment": rng.choice(vocab.FEEDBACK_TEXTS)} for _ in f["scores"]]
    if t == "yes-no":
        return rng.choice(("yes", "no"))
    if t == "currency":
        return rng.randrange(60, 250) * 1000
    if t == "date":
        return ANCHOR_MS + DAY_MS * rng.randrange(10, 120)
    if t == "code":
        return "def solve(xs):\n    return sorted(set(xs))\n"
    return rng.choice(vocab.FEEDBACK_TEXTS)


def feedback_form(
    rng: random.Random,
    template: Doc,
    user: str,
    at: int,
    interview: str | None,
    panel: str | None,
    fid: str | None = None,
    values: dict[str, Any] | None = None,
) -> Doc:
    """A feedback form from `template`; unset fields get `value: null` as Lever answers.

    With `values` None every required field and most optional ones get a valid random value.
    """
    fields = []
    for f in template["fields"]:
        if values is None:
            v = field_value(rng, f) if f["required"] or rng.random() < 0.7 else None
        else:
            v = values.get(f["id"])
        fields.append({**f, "value": v})
    return {
        "id": fid or new_uuid(rng),
        "type": "interview" if interview else "share",
        "text": template["text"],
        "instructions": template["instructions"],
        "fields": fields,
        "baseTemplateId": template["id"],
        "interview": interview,
        "panel": panel,
        "user": user,
        "createdAt": at,
        "completedAt": at,
        "updatedAt": None,
        "deletedAt": None,
    }


def application_doc(world: World, rec: OppRecord, app_id: str, at: int) -> Doc:
    """The (deprecated but served) application object of an opportunity."""
    doc = rec.doc
    posting = world.postings_by_id.get(rec.posting or "")
    return {
        "id": app_id,
        "type": "posting" if doc["origin"] in ("applied", "agency", "university") else "user",
        "opportunityId": doc["id"],
        "candidateId": doc["id"],
        "posting": rec.posting,
        "postingOwner": posting["owner"] if posting else None,
        "postingHiringManager": posting["hiringManager"] if posting else None,
        "user": doc["owner"] if doc["origin"] != "applied" else None,
        "name": doc["name"],
        "email": doc["emails"][0] if doc["emails"] else None,
        "phone": doc["phones"][0] if doc["phones"] else None,
        "company": None,
        "links": list(doc["links"]),
        "comments": None,
        "customQuestions": [],
        "createdAt": at,
        "archived": dict(doc["archived"]) if doc["archived"] else None,
        "requisitionForHire": None,
    }


def generate_children(world: World, rec: OppRecord) -> Children:
    """All sub-resources of `rec`, exactly `rec.counts` of each, sorted by (createdAt, id)."""
    n_int, n_panels, n_fb, n_notes, n_res, n_files, n_offers = rec.counts
    rng = child_rng(world.seed, rec.index)
    doc = rec.doc
    oid = doc["id"]
    created = doc["createdAt"]
    horizon = max(2, min(ANCHOR_MS, created + 60 * DAY_MS) - created)
    users = world.users
    templates = world.templates[1:]
    stage = doc["stageChanges"][0]["toStageId"]

    def when() -> int:
        return created + 1 + rng.randrange(horizon - 1)

    app = application_doc(world, rec, doc["applications"][0], created) if doc["applications"] else {}
    kids = Children(application=app)

    interviews: list[Doc] = []
    for p in range(n_panels):
        panel_id = new_uuid(rng)
        at = when()
        tz = rng.choice(vocab.TIMEZONES)
        mine = [k for k in range(n_int) if k % n_panels == p]
        start = at + DAY_MS * rng.randrange(1, 10)
        panel_interviews = []
        t = start
        for _ in mine:
            iid = new_uuid(rng)
            template = rng.choice(templates)
            people = rng.sample(users, min(len(users), rng.randrange(1, 3)))
            duration = rng.choice((30, 45, 60))
            subject = f"{template['text']} with {doc['name']}"
            location = rng.choice(("Zoom", "Google Meet", "HQ, room 3"))
            interviewers = [
                {"id": u["id"], "name": u["name"], "email": u["email"], "feedbackTemplate": template["id"]}
                for u in people
            ]
            interviews.append(
                {
                    "id": iid,
                    "panel": panel_id,
                    "subject": subject,
                    "note": "",
                    "interviewers": interviewers,
                    "timezone": tz,
                    "createdAt": at,
                    "date": t,
                    "duration": duration,
                    "location": location,
                    "feedbackTemplate": template["id"],
                    "feedbackForms": [],
                    "feedbackReminder": "frequently",
                    "user": doc["owner"],
                    "stage": stage,
                    "canceledAt": None,
                    "postings": [rec.posting] if rec.posting else [],
                    "gcalEventUrl": None,
                    "opportunityId": oid,
                }
            )
            panel_interviews.append(
                {
                    "id": iid,
                    "date": t,
                    "duration": duration,
                    "feedbackReminder": "frequently",
                    "feedbackTemplate": template["id"],
                    "interviewers": [{**i, "responseStatus": "accepted"} for i in interviewers],
                    "location": location,
                    "note": "",
                    "subject": subject,
                }
            )
            t += duration * 60_000
        kids.panels.append(
            {
                "id": panel_id,
                "applications": list(doc["applications"]),
                "canceledAt": None,
                "createdAt": at,
                "start": start,
                "end": t,
                "externallyManaged": False,
                "externalUrl": None,
                "feedbackReminder": "frequently",
                "interviews": panel_interviews,
                "note": "",
                "stage": stage,
                "timezone": tz,
                "user": doc["owner"],
            }
        )
    kids.interviews = interviews

    for k in range(n_fb):
        if k < len(interviews):
            iv = interviews[k]
            template = world.templates_by_id[iv["feedbackTemplate"]]
            fb = feedback_form(
                rng, template, iv["interviewers"][0]["id"], iv["date"] + 3_600_000, iv["id"], iv["panel"]
            )
            iv["feedbackForms"].append(fb["id"])
        else:
            fb = feedback_form(rng, rng.choice(templates), rng.choice(users)["id"], when(), None, None)
        kids.feedback.append(fb)

    for _ in range(n_notes):
        at = when()
        author = rng.choice(users)["id"]
        kids.notes.append(
            {
                "id": new_uuid(rng),
                "text": "Note",
                "fields": [
                    {
                        "type": "note",
                        "text": "Comment",
                        "value": rng.choice(vocab.NOTE_TEXTS),
                        "createdAt": at,
                        "user": author,
                        "score": None,
                        "stage": stage,
                    }
                ],
                "user": author,
                "secret": rng.random() < 0.1,
                "completedAt": at,
                "createdAt": at,
                "deletedAt": None,
            }
        )

    base = doc["name"].replace(" ", "_")
    for k in range(n_res):
        rid = new_uuid(rng)
        at = created + k * DAY_MS
        name = f"{base}_resume{'' if k == 0 else k + 1}.pdf"
        kids.resumes.append(
            {
                "id": rid,
                "createdAt": at,
                "file": {
                    "name": name,
                    "ext": "pdf",
                    "downloadUrl": download_url(oid, "resumes", rid),
                    "uploadedAt": at,
                    "status": "processed" if rng.random() < 0.95 else "processing",
                    "size": len(blob_bytes(rid, name)),
                },
                "parsedData": {
                    "positions": [
                        {
                            "org": rng.choice(vocab.COMPANIES),
                            "title": rng.choice(vocab.TITLES),
                            "summary": "",
                            "location": rng.choice(vocab.CITIES),
                            "start": {"year": 2015 + j * 3, "month": rng.randrange(1, 13)},
                            "end": {"year": 2018 + j * 3, "month": rng.randrange(1, 13)},
                        }
                        for j in range(rng.randrange(1, 4))
                    ],
                    "schools": [
                        {
                            "org": rng.choice(vocab.SCHOOLS),
                            "degree": rng.choice(vocab.DEGREES),
                            "field": "Computer Science",
                            "summary": "",
                            "start": {"year": 2010},
                            "end": {"year": 2014},
                        }
                    ],
                },
            }
        )

    for k in range(n_files):
        fid = new_uuid(rng)
        at = when()
        ext = rng.choice(("pdf", "docx", "png"))
        name = f"{base}_attachment{k + 1}.{ext}"
        kids.files.append(
            {
                "id": fid,
                "downloadUrl": download_url(oid, "files", fid),
                "ext": ext,
                "name": name,
                "uploadedAt": at,
                "status": rng.choice(FILE_STATUSES),
                "size": len(blob_bytes(fid, name)),
            }
        )

    for _ in range(n_offers):
        offer_id = new_uuid(rng)
        at = when()
        status = rng.choice(OFFER_STATUSES)
        sent = at + DAY_MS if status in ("sent", "sent-manually", "opened", "signed") else None
        name = f"{base}_offer.pdf"

        def document(which: str, uploaded: int, offer_id: str = offer_id, name: str = name) -> Doc:
            url = f"{ROOT_PLACEHOLDER}/v1/opportunities/{oid}/offers/{offer_id}/download?status={which}"
            return {"fileName": name, "uploadedAt": uploaded, "downloadUrl": url}

        kids.offers.append(
            {
                "id": offer_id,
                "createdAt": at,
                "status": status,
                "creator": rng.choice(users)["id"],
                "fields": [
                    {"text": "Job title", "identifier": "job_title", "value": doc["headline"].split(" at ")[0]},
                    {"text": "Salary", "identifier": "salary_amount", "value": rng.randrange(80, 250) * 1000},
                    {"text": "Start date", "identifier": "anticipated_start_date", "value": at + 30 * DAY_MS},
                ],
                "sentDocument": document("sent", sent) if sent else None,
                "signedDocument": document("signed", sent + DAY_MS) if sent and status == "signed" else None,
                "approvedAt": at + 3_600_000 if status not in ("draft", "approval-sent", "denied") else None,
                "sentAt": sent,
                "signatures": {"candidate": {"signedAt": sent + DAY_MS if status == "signed" else None}},
            }
        )

    for lst in (kids.interviews, kids.panels, kids.feedback, kids.notes, kids.resumes, kids.files, kids.offers):
        lst.sort(key=lambda d: (d["createdAt"] if "createdAt" in d else d["uploadedAt"], d["id"]))
    return kids
