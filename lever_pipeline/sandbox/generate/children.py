"""An opportunity's sub-resources, generated on demand from a per-opportunity seed.

`generate_children` is a pure function of (world seed, opportunity index, the opportunity's
creation-time facts), so the same opportunity always gets the same interviews, panels,
feedback, notes, resumes, files and offers without the account keeping them in memory.
The store keeps the result only once a write changes it. Kinds are drawn in a fixed order
(panels with their interviews, feedback, notes, resumes, files, offers).
"""

from __future__ import annotations

import random

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
from lever_pipeline.sandbox.generate.extras import opportunity_extras
from lever_pipeline.sandbox.generate.feedback import feedback_form

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


def application_doc(world: World, rec: OppRecord, doc: Doc, app_id: str, at: int) -> Doc:
    """The (deprecated but served) application object of an opportunity (`doc` is its document)."""
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
    """All sub-resources of `rec`, exactly `rec.counts` of each (and `rec.forms` profile
    forms), sorted by (createdAt, id)."""
    n_int, n_panels, n_fb, n_notes, n_res, n_files, n_offers = rec.counts
    doc = rec.doc  # parsed once here when the record is frozen
    app = application_doc(world, rec, doc, doc["applications"][0], doc["createdAt"]) if doc["applications"] else {}
    make = _Maker(world, rec, doc)
    panels, interviews = make.panels(n_panels, n_int)
    # Keyword arguments are evaluated in the order written: that is the draw order.
    kids = Children(
        application=app,
        interviews=interviews,
        panels=panels,
        feedback=make.feedback(n_fb, interviews),
        notes=make.notes(n_notes),
        resumes=make.resumes(n_res),
        files=make.files(n_files),
        offers=make.offers(n_offers),
    )
    for lst in (kids.interviews, kids.panels, kids.feedback, kids.notes, kids.resumes, kids.files, kids.offers):
        lst.sort(key=lambda d: (d["createdAt"] if "createdAt" in d else d["uploadedAt"], d["id"]))
    opportunity_extras(world, rec, doc, kids)  # referrals, profile forms, file actions: their own stream
    return kids


class _Maker:
    """Draws one opportunity's sub-resources from its own RNG."""

    def __init__(self, world: World, rec: OppRecord, doc: Doc) -> None:
        self.world = world
        self.rec = rec
        self.rng = child_rng(world.seed, rec.index)
        self.doc = doc
        self.oid = doc["id"]
        self.created = doc["createdAt"]
        self.horizon = max(2, min(ANCHOR_MS, self.created + 60 * DAY_MS) - self.created)
        self.users = world.users
        self.templates = world.templates[1:]
        self.stage = doc["stageChanges"][0]["toStageId"]
        self.base = doc["name"].replace(" ", "_")

    def when(self) -> int:
        """A moment in the opportunity's first 60 days (or until the anchor)."""
        return self.created + 1 + self.rng.randrange(self.horizon - 1)

    def panels(self, n_panels: int, n_int: int) -> tuple[list[Doc], list[Doc]]:
        """`n_panels` panels sharing `n_int` interviews round-robin; returns (panels, interviews)."""
        rng = self.rng
        panels: list[Doc] = []
        interviews: list[Doc] = []
        for p in range(n_panels):
            panel_id = new_uuid(rng)
            at = self.when()
            tz = rng.choice(vocab.TIMEZONES)
            mine = [k for k in range(n_int) if k % n_panels == p]
            start = at + DAY_MS * rng.randrange(1, 10)
            panel_interviews = []
            t = start
            for _ in mine:
                interview, entry = self._interview(panel_id, at, t, tz)
                interviews.append(interview)
                panel_interviews.append(entry)
                t += interview["duration"] * 60_000
            panels.append(
                {
                    "id": panel_id,
                    "applications": list(self.doc["applications"]),
                    "canceledAt": None,
                    "createdAt": at,
                    "start": start,
                    "end": t,
                    "externallyManaged": False,
                    "externalUrl": None,
                    "feedbackReminder": "frequently",
                    "interviews": panel_interviews,
                    "note": "",
                    "stage": self.stage,
                    "timezone": tz,
                    "user": self.doc["owner"],
                }
            )
        return panels, interviews

    def _interview(self, panel_id: str, at: int, date: int, tz: str) -> tuple[Doc, Doc]:
        """One interview of a panel: the /interviews object and the panel's entry for it."""
        rng = self.rng
        doc = self.doc
        iid = new_uuid(rng)
        template = rng.choice(self.templates)
        people = rng.sample(self.users, min(len(self.users), rng.randrange(1, 3)))
        duration = rng.choice((30, 45, 60))
        subject = f"{template['text']} with {doc['name']}"
        location = rng.choice(("Zoom", "Google Meet", "HQ, room 3"))
        interviewers = [
            {"id": u["id"], "name": u["name"], "email": u["email"], "feedbackTemplate": template["id"]} for u in people
        ]
        interview = {
            "id": iid,
            "panel": panel_id,
            "subject": subject,
            "note": "",
            "interviewers": interviewers,
            "timezone": tz,
            "createdAt": at,
            "date": date,
            "duration": duration,
            "location": location,
            "feedbackTemplate": template["id"],
            "feedbackForms": [],
            "feedbackReminder": "frequently",
            "user": doc["owner"],
            "stage": self.stage,
            "canceledAt": None,
            "postings": [self.rec.posting] if self.rec.posting else [],
            "gcalEventUrl": None,
            "opportunityId": self.oid,
        }
        entry = {
            "id": iid,
            "date": date,
            "duration": duration,
            "feedbackReminder": "frequently",
            "feedbackTemplate": template["id"],
            "interviewers": [{**i, "responseStatus": "accepted"} for i in interviewers],
            "location": location,
            "note": "",
            "subject": subject,
        }
        return interview, entry

    def feedback(self, n: int, interviews: list[Doc]) -> list[Doc]:
        """One form per interview first (linked both ways), then shared forms."""
        rng = self.rng
        forms = []
        for k in range(n):
            if k < len(interviews):
                iv = interviews[k]
                template = self.world.templates_by_id[iv["feedbackTemplate"]]
                fb = feedback_form(
                    rng, template, iv["interviewers"][0]["id"], iv["date"] + 3_600_000, iv["id"], iv["panel"]
                )
                iv["feedbackForms"].append(fb["id"])
            else:
                fb = feedback_form(
                    rng, rng.choice(self.templates), rng.choice(self.users)["id"], self.when(), None, None
                )
            forms.append(fb)
        return forms

    def notes(self, n: int) -> list[Doc]:
        rng = self.rng
        notes = []
        for _ in range(n):
            at = self.when()
            author = rng.choice(self.users)["id"]
            notes.append(
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
                            "stage": self.stage,
                        }
                    ],
                    "user": author,
                    "secret": rng.random() < 0.1,
                    "completedAt": at,
                    "createdAt": at,
                    "deletedAt": None,
                }
            )
        return notes

    def resumes(self, n: int) -> list[Doc]:
        """One resume a day from creation, each with parsed positions and schools."""
        rng = self.rng
        resumes = []
        for k in range(n):
            rid = new_uuid(rng)
            at = self.created + k * DAY_MS
            name = f"{self.base}_resume{'' if k == 0 else k + 1}.pdf"
            resumes.append(
                {
                    "id": rid,
                    "createdAt": at,
                    "file": {
                        "name": name,
                        "ext": "pdf",
                        "downloadUrl": download_url(self.oid, "resumes", rid),
                        "uploadedAt": at,
                        "status": "processed" if rng.random() < 0.95 else "processing",
                        "size": len(blob_bytes(rid, name)),
                    },
                    "parsedData": {"positions": self._positions(), "schools": self._schools()},
                }
            )
        return resumes

    def _positions(self) -> list[Doc]:
        rng = self.rng
        return [
            {
                "org": rng.choice(vocab.COMPANIES),
                "title": rng.choice(vocab.TITLES),
                "summary": "",
                "location": rng.choice(vocab.CITIES),
                "start": {"year": 2015 + j * 3, "month": rng.randrange(1, 13)},
                "end": {"year": 2018 + j * 3, "month": rng.randrange(1, 13)},
            }
            for j in range(rng.randrange(1, 4))
        ]

    def _schools(self) -> list[Doc]:
        rng = self.rng
        return [
            {
                "org": rng.choice(vocab.SCHOOLS),
                "degree": rng.choice(vocab.DEGREES),
                "field": "Computer Science",
                "summary": "",
                "start": {"year": 2010},
                "end": {"year": 2014},
            }
        ]

    def files(self, n: int) -> list[Doc]:
        rng = self.rng
        files = []
        for k in range(n):
            fid = new_uuid(rng)
            at = self.when()
            ext = rng.choice(("pdf", "docx", "png"))
            name = f"{self.base}_attachment{k + 1}.{ext}"
            files.append(
                {
                    "id": fid,
                    "downloadUrl": download_url(self.oid, "files", fid),
                    "ext": ext,
                    "name": name,
                    "uploadedAt": at,
                    "status": rng.choice(FILE_STATUSES),
                    "size": len(blob_bytes(fid, name)),
                }
            )
        return files

    def offers(self, n: int) -> list[Doc]:
        """Offers in a random status; sent ones carry a sent document, signed ones a signed one."""
        rng = self.rng
        oid = self.oid
        offers = []
        for _ in range(n):
            offer_id = new_uuid(rng)
            at = self.when()
            status = rng.choice(OFFER_STATUSES)
            sent = at + DAY_MS if status in ("sent", "sent-manually", "opened", "signed") else None
            name = f"{self.base}_offer.pdf"

            def document(which: str, uploaded: int, offer_id: str = offer_id, name: str = name) -> Doc:
                url = f"{ROOT_PLACEHOLDER}/v1/opportunities/{oid}/offers/{offer_id}/download?status={which}"
                return {"fileName": name, "uploadedAt": uploaded, "downloadUrl": url}

            offers.append(
                {
                    "id": offer_id,
                    "createdAt": at,
                    "status": status,
                    "creator": rng.choice(self.users)["id"],
                    "fields": [
                        {
                            "text": "Job title",
                            "identifier": "job_title",
                            "value": self.doc["headline"].split(" at ")[0],
                        },
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
        return offers
