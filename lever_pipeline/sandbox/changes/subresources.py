"""Changes to an opportunity's sub-resources: feedback, notes, files (with their file
actions) and interviews scheduled by the seeded mutations (panel writes: changes/panels.py).

Each one touches the opportunity first (so its `updatedAt` moves and its sub-resources are
pinned in memory before they change).
"""

from __future__ import annotations

from typing import Any

from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.generate.children import download_url
from lever_pipeline.sandbox.generate.extras import file_action
from lever_pipeline.sandbox.generate.feedback import feedback_form
from lever_pipeline.sandbox.store import Store


def add_feedback(
    store: Store,
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
    at = store.touch(rec)
    kids = store.pin(rec)
    form = feedback_form(store.rng, template, user, at, interview, panel, store.new_id(), values)
    form["createdAt"] = created_at if created_at is not None else at
    form["completedAt"] = completed_at if completed_at is not None else at
    kids.feedback.append(form)
    if interview:
        for iv in kids.interviews:
            if iv["id"] == interview:
                iv["feedbackForms"].append(form["id"])
    return form


def update_feedback(store: Store, rec: OppRecord, form: Doc, values: dict[str, Any], completed_at: int | None) -> Doc:
    at = store.touch(rec)
    for f in form["fields"]:
        if f["id"] in values:
            f["value"] = values[f["id"]]
    if completed_at is not None:
        form["completedAt"] = completed_at
    form["updatedAt"] = at
    return form


def delete_feedback(store: Store, rec: OppRecord, form: Doc) -> None:
    form["deletedAt"] = store.touch(rec)


def add_note(
    store: Store,
    rec: OppRecord,
    value: str,
    user: str | None,
    secret: bool,
    score: int | None,
    created_at: int | None,
    parent: Doc | None,
) -> Doc:
    """A new note, or with `parent` a threaded comment appended to that note."""
    at = store.touch(rec)
    kids = store.pin(rec)
    stamp = created_at if created_at is not None else at
    field = {
        "type": "note",
        "text": "Comment",
        "value": value,
        "createdAt": stamp,
        "user": user,
        "score": score,
        "stage": rec.stage,
    }
    if parent is not None:
        parent["fields"].append(field)
        return parent
    note = {
        "id": store.new_id(),
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


def delete_note(store: Store, rec: OppRecord, note: Doc) -> None:
    store.touch(rec)
    store.pin(rec).notes.remove(note)


def add_file(store: Store, rec: OppRecord, name: str, content: bytes, user: str | None = None) -> Doc:
    """Store an uploaded file (processed at once) and record a `file-added` file action."""
    at = store.touch(rec)
    kids = store.pin(rec)
    fid = store.new_id()
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
    meta = {"fileId": fid, "fileName": name}
    kids.file_actions.append(file_action(store.new_id(), rec.id, "file-added", at, user, meta))
    return f


def delete_file(store: Store, rec: OppRecord, f: Doc, user: str | None = None) -> None:
    """Remove a file and record a `file-remove` file action."""
    at = store.touch(rec)
    kids = store.pin(rec)
    kids.files.remove(f)
    kids.blobs.pop(f["id"], None)
    meta = {"fileId": f["id"], "fileName": f["name"]}
    kids.file_actions.append(file_action(store.new_id(), rec.id, "file-remove", at, user, meta))


def add_interview(store: Store, rec: OppRecord, user: str, template: Doc) -> Doc:
    """Schedule one interview on a new (externally managed) panel; emits interviewCreated."""
    at = store.touch(rec)
    kids = store.pin(rec)
    panel_id, iid = store.new_id(), store.new_id()
    users = store.world.users_by_id
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
        "stage": rec.stage,
        "canceledAt": None,
        "postings": [rec.posting] if rec.posting else [],
        "gcalEventUrl": None,
        "opportunityId": rec.id,
    }
    kids.interviews.append(interview)
    kids.panels.append(_external_panel(rec, interview))
    store.notify(rec, "interviewCreated", interviewId=iid, panelId=panel_id)
    return interview


def reschedule_interview(store: Store, rec: OppRecord, interview: Doc) -> Doc:
    """Move an interview a day later; emits interviewUpdated."""
    store.touch(rec)
    kids = store.pin(rec)
    interview["date"] += 86_400_000
    for p in kids.panels:
        if p["id"] == interview["panel"]:
            for pi in p["interviews"]:
                if pi["id"] == interview["id"]:
                    pi["date"] = interview["date"]
            p["start"] = min(pi["date"] for pi in p["interviews"])
            p["end"] = max(pi["date"] + pi["duration"] * 60_000 for pi in p["interviews"])
    store.notify(rec, "interviewUpdated", interviewId=interview["id"], panelId=interview["panel"])
    return interview


def _external_panel(rec: OppRecord, interview: Doc) -> Doc:
    """The externally managed panel holding just `interview`, as an API-scheduled one looks."""
    date = interview["date"]
    return {
        "id": interview["panel"],
        "applications": list(rec.doc["applications"]),
        "canceledAt": None,
        "createdAt": interview["createdAt"],
        "start": date,
        "end": date + interview["duration"] * 60_000,
        "externallyManaged": True,
        "externalUrl": None,
        "feedbackReminder": "once",
        "interviews": [
            {
                "id": interview["id"],
                "date": date,
                "duration": interview["duration"],
                "feedbackReminder": "once",
                "feedbackTemplate": interview["feedbackTemplate"],
                "interviewers": [{**i, "responseStatus": "needsAction"} for i in interview["interviewers"]],
                "location": interview["location"],
                "note": "",
                "subject": interview["subject"],
            }
        ],
        "note": "",
        "stage": interview["stage"],
        "timezone": "UTC",
        "user": interview["user"],
    }
