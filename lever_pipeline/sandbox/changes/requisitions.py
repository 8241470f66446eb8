"""Changes to requisitions (create, replace, delete, a hire counted against one) and to
postings (deletion). Lever announces none of these through webhooks (its event list has no
requisition or posting events), so nothing is emitted."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from lever_pipeline.sandbox.data import Doc
from lever_pipeline.sandbox.store import Store

#: Fields a create or replace sets, in the key order of a recorded list response.
WRITABLE = (
    "requisitionCode",
    "name",
    "backfill",
    "createdAt",
    "headcountTotal",
    "status",
    "hiringManager",
    "owner",
    "employmentStatus",
    "location",
    "internalNotes",
    "department",
    "team",
    "compensationBand",
    "postings",
    "customFields",
)


def _shape(rid: str, fields: dict[str, Any], creator: str | None, hired: int, at: int, offer_ids: list[str]) -> Doc:
    """A requisition document from validated `fields` (the GET shape, recorded key order)."""
    total = fields["headcountTotal"]
    infinite = total == "unlimited"
    status = fields.get("status", "open")
    return {
        "id": rid,
        "requisitionCode": fields["requisitionCode"],
        "name": fields["name"],
        "backfill": fields.get("backfill", False),
        "confidentiality": fields.get("confidentiality", "non-confidential"),
        "createdAt": fields.get("createdAt", at),
        "creator": creator,
        "headcountHired": hired,
        "headcountTotal": total,
        "status": status,
        "hiringManager": fields.get("hiringManager"),
        "owner": fields.get("owner"),
        "employmentStatus": fields.get("employmentStatus"),
        "location": fields.get("location"),
        "internalNotes": fields.get("internalNotes", ""),
        "department": fields.get("department"),
        "team": fields.get("team"),
        "headcountInfinite": infinite,
        "compensationBand": fields.get("compensationBand"),
        "approval": {"steps": []},
        "postings": list(fields.get("postings", [])),
        "offerIds": offer_ids,
        "timeToFillStartAt": fields.get("createdAt", at),
        "timeToFillEndAt": None,
        "updatedAt": at,
        "customFields": fields.get("customFields", {}),
        "closedAt": at if status == "closed" else None,
    }


def create_requisition(store: Store, fields: dict[str, Any], creator: str | None) -> Doc:
    """A new requisition, listed at its createdAt (normally now, so at the end)."""
    at = store.now()
    reqs = store.requisitions()
    # A requisition on a confidential posting is confidential (as candidacies are).
    postings = store.world.postings_by_id
    secret = any(postings[p]["confidentiality"] == "confidential" for p in fields.get("postings", ()))
    fields = {**fields, "confidentiality": "confidential" if secret else "non-confidential"}
    req = _shape(store.new_id(), fields, creator, 0, at, [])
    i = bisect_right([(q["createdAt"], q["id"]) for q in reqs], (req["createdAt"], req["id"]))
    reqs.insert(i, req)
    store.requisitions_by_id[req["id"]] = req
    store.api_requisitions.add(req["id"])
    return req


def replace_requisition(store: Store, req: Doc, fields: dict[str, Any]) -> Doc:
    """PUT semantics: every writable field is replaced; id, creator, createdAt, headcount
    hired, offers and confidentiality stay (createdAt keys the list, so a replace cannot move
    a requisition in it)."""
    at = store.now()
    kept = {**fields, "createdAt": req["createdAt"], "confidentiality": req["confidentiality"]}
    new = _shape(req["id"], kept, req["creator"], req["headcountHired"], at, req["offerIds"])
    new["timeToFillStartAt"] = req["timeToFillStartAt"]
    if new["status"] == "closed":
        new["closedAt"] = req["closedAt"] or at
        new["timeToFillEndAt"] = req["timeToFillEndAt"]
    req.clear()
    req.update(new)
    return req


def delete_requisition(store: Store, req: Doc) -> None:
    """Remove the requisition from every list (Lever keeps no deleted-requisitions list)."""
    store.requisitions().remove(req)
    del store.requisitions_by_id[req["id"]]
    store.api_requisitions.discard(req["id"])


def count_hire(store: Store, req: Doc, offer_ids: list[str]) -> None:
    """An opportunity was hired against `req`: one more hired, closed once it is full."""
    at = store.now()
    req["headcountHired"] += 1
    req["offerIds"] = [*req["offerIds"], *(o for o in offer_ids if o not in req["offerIds"])]
    req["updatedAt"] = at
    total = req["headcountTotal"]
    if isinstance(total, int) and req["headcountHired"] >= total and req["status"] != "closed":
        req["status"] = "closed"
        req["closedAt"] = at
        req["timeToFillEndAt"] = at


def delete_posting(store: Store, posting: Doc, user: str | None) -> Doc:
    """Move a posting to `/postings/deleted`, stamped now; requisitions stop naming it.

    Opportunities that applied to it keep their posting id, as Lever's do.
    """
    at = store.now()
    world = store.world
    world.postings.remove(posting)
    del world.postings_by_id[posting["id"]]
    store.posting_raw.pop(posting["id"], None)
    for req in store.requisitions():
        if posting["id"] in req["postings"]:
            req["postings"] = [p for p in req["postings"] if p != posting["id"]]
            req["updatedAt"] = at
    gone = {**posting, "deletedAt": at, "deletedBy": user}
    store.deleted_postings.append(gone)
    return gone
