"""Changes to externally managed panels and their interviews: create, replace and delete a
panel; add, replace and delete one interview. Each interview change emits Lever's
`interviewCreated` / `interviewUpdated` / `interviewDeleted` event.

Input is validated by the caller (routes/panels.py) into `InterviewSpec`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.store import Store


@dataclass
class InterviewSpec:
    """One interview as a write describes it (`id` only when it keeps an existing one)."""

    interviewers: list[str]
    date: int
    duration: int
    subject: str
    note: str
    location: str | None
    feedback_template: str
    feedback_reminder: str
    id: str | None = None


@dataclass
class PanelSpec:
    """A panel as a create or a replace describes it."""

    timezone: str
    interviews: list[InterviewSpec]
    applications: list[str]
    feedback_reminder: str
    note: str | None
    external_url: str | None


def _pair(store: Store, rec: OppRecord, panel: Doc, spec: InterviewSpec, iid: str, at: int) -> tuple[Doc, Doc]:
    """The `/interviews` object and the panel's entry for one interview."""
    users = store.world.users_by_id
    people = [users[u] for u in spec.interviewers]
    interviewers = [
        {"id": u["id"], "name": u["name"], "email": u["email"], "feedbackTemplate": spec.feedback_template}
        for u in people
    ]
    interview = {
        "id": iid,
        "panel": panel["id"],
        "subject": spec.subject,
        "note": spec.note,
        "interviewers": interviewers,
        "timezone": panel["timezone"],
        "createdAt": at,
        "date": spec.date,
        "duration": spec.duration,
        "location": spec.location,
        "feedbackTemplate": spec.feedback_template,
        "feedbackForms": [],
        "feedbackReminder": spec.feedback_reminder,
        "user": panel["user"],
        "stage": panel["stage"],
        "canceledAt": None,
        "postings": [rec.posting] if rec.posting else [],
        "gcalEventUrl": None,
        "opportunityId": rec.id,
    }
    entry = {
        "id": iid,
        "date": spec.date,
        "duration": spec.duration,
        "feedbackReminder": spec.feedback_reminder,
        "feedbackTemplate": spec.feedback_template,
        "interviewers": [{**i, "responseStatus": "needsAction"} for i in interviewers],
        "location": spec.location,
        "note": spec.note,
        "subject": spec.subject,
    }
    return interview, entry


def _span(panel: Doc) -> None:
    entries = panel["interviews"]
    panel["start"] = min(e["date"] for e in entries)
    panel["end"] = max(e["date"] + e["duration"] * 60_000 for e in entries)


def _notify(store: Store, rec: OppRecord, event: str, iid: str, panel_id: str) -> None:
    store.notify(rec, event, interviewId=iid, panelId=panel_id)


def create_panel(store: Store, rec: OppRecord, user: str, spec: PanelSpec) -> Doc:
    """A new externally managed panel with its interviews (one `interviewCreated` each)."""
    at = store.touch(rec)
    kids = store.pin(rec)
    panel: Doc = {
        "id": store.new_id(),
        "applications": spec.applications,
        "canceledAt": None,
        "createdAt": at,
        "start": 0,
        "end": 0,
        "externallyManaged": True,
        "externalUrl": spec.external_url,
        "feedbackReminder": spec.feedback_reminder,
        "interviews": [],
        "note": spec.note,
        "stage": rec.stage,
        "timezone": spec.timezone,
        "user": user,
    }
    created = []
    for s in spec.interviews:
        interview, entry = _pair(store, rec, panel, s, store.new_id(), at)
        kids.interviews.append(interview)
        panel["interviews"].append(entry)
        created.append(interview["id"])
    _span(panel)
    kids.panels.append(panel)
    for iid in created:
        _notify(store, rec, "interviewCreated", iid, panel["id"])
    return panel


def replace_panel(store: Store, rec: OppRecord, panel: Doc, spec: PanelSpec) -> Doc:
    """PUT semantics: interviews named by id are replaced (and keep it), the others are new,
    and the panel's interviews not named are deleted."""
    at = store.touch(rec)
    kids = store.pin(rec)
    old = {i["id"]: i for i in kids.interviews if i["panel"] == panel["id"]}
    panel.update(
        applications=spec.applications,
        externalUrl=spec.external_url,
        feedbackReminder=spec.feedback_reminder,
        note=spec.note,
        timezone=spec.timezone,
        interviews=[],
    )
    events: list[tuple[str, str]] = []
    kept: set[str] = set()
    for s in spec.interviews:
        iid = s.id or store.new_id()
        interview, entry = _pair(store, rec, panel, s, iid, old[iid]["createdAt"] if iid in old else at)
        if iid in old:
            interview["feedbackForms"] = old[iid]["feedbackForms"]
            kids.interviews[kids.interviews.index(old[iid])] = interview
            kept.add(iid)
            events.append(("interviewUpdated", iid))
        else:
            kids.interviews.append(interview)
            events.append(("interviewCreated", iid))
        panel["interviews"].append(entry)
    for iid, interview in old.items():
        if iid not in kept:
            kids.interviews.remove(interview)
            events.append(("interviewDeleted", iid))
    _span(panel)
    for event, iid in events:
        _notify(store, rec, event, iid, panel["id"])
    return panel


def delete_panel(store: Store, rec: OppRecord, panel: Doc) -> None:
    """Remove the panel and its interviews (one `interviewDeleted` each)."""
    store.touch(rec)
    kids = store.pin(rec)
    gone = [i for i in kids.interviews if i["panel"] == panel["id"]]
    for interview in gone:
        kids.interviews.remove(interview)
    kids.panels.remove(panel)
    for interview in gone:
        _notify(store, rec, "interviewDeleted", interview["id"], panel["id"])


def add_interview(store: Store, rec: OppRecord, panel: Doc, spec: InterviewSpec) -> Doc:
    """One more interview on an externally managed panel."""
    at = store.touch(rec)
    kids = store.pin(rec)
    interview, entry = _pair(store, rec, panel, spec, store.new_id(), at)
    kids.interviews.append(interview)
    panel["interviews"].append(entry)
    _span(panel)
    _notify(store, rec, "interviewCreated", interview["id"], panel["id"])
    return interview


def replace_interview(store: Store, rec: OppRecord, panel: Doc, interview: Doc, spec: InterviewSpec) -> Doc:
    """PUT semantics for one interview: every field replaced, its id and panel kept."""
    store.touch(rec)
    kids = store.pin(rec)
    new, entry = _pair(store, rec, panel, spec, interview["id"], interview["createdAt"])
    new["feedbackForms"] = interview["feedbackForms"]
    kids.interviews[kids.interviews.index(interview)] = new
    panel["interviews"] = [entry if e["id"] == interview["id"] else e for e in panel["interviews"]]
    _span(panel)
    _notify(store, rec, "interviewUpdated", interview["id"], panel["id"])
    return new


def delete_interview(store: Store, rec: OppRecord, panel: Doc, interview: Doc) -> dict[str, Any]:
    """Remove one interview; removing a panel's last interview removes the panel too (Lever's rule)."""
    store.touch(rec)
    kids = store.pin(rec)
    kids.interviews.remove(interview)
    panel["interviews"] = [e for e in panel["interviews"] if e["id"] != interview["id"]]
    if panel["interviews"]:
        _span(panel)
    else:
        kids.panels.remove(panel)
    _notify(store, rec, "interviewDeleted", interview["id"], panel["id"])
    return {"panelDeleted": not panel["interviews"]}
