"""Lever's /v1 write endpoints, with Lever's validation.

Unconfirmed behaviours chosen here:
- A missing `perform_as` where it is required, or one that is not an active user, is a
  400 naming the parameter. Where it is optional, a given value must still be active.
- An unknown `baseTemplateId`, panel, interview, stage or archive reason in a body is a
  400 naming the field (the object in the path being unknown is a 404).
- Created feedback has `type: "interview"` when tied to an interview, else `"share"`.
- `PUT .../feedback/:fid` answers the normal feedback object (Lever's own answer is an
  internal-looking shape the recordings show but no client relies on).
- Notes created through the API can be deleted; generated ones answer 403, as Lever
  only lets API-created notes be deleted.
- Uploaded files are `processed` at once (so they download straight away); 201. Uploads and
  deletions are recorded as file actions (`file-added`, `file-remove`).
- `PUT .../archived` with `requisitionId` [docs] counts a hire against that requisition
  (one more `headcountHired`, its offers in `offerIds`, closed once full); it is a 400
  with a reason that is not of type hired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request as StarletteRequest

from lever_pipeline.sandbox.changes import opportunities as opportunity_changes
from lever_pipeline.sandbox.changes import subresources as subresource_changes
from lever_pipeline.sandbox.changes import webhooks as webhook_changes
from lever_pipeline.sandbox.changes.opportunities import ORIGINS
from lever_pipeline.sandbox.changes.webhooks import WEBHOOK_EVENTS
from lever_pipeline.sandbox.errors import ApiError, bad_request, not_found
from lever_pipeline.sandbox.http import Request, Response, Router, data_response
from lever_pipeline.sandbox.routes import panels, requisitions
from lever_pipeline.sandbox.routes.common import body_object, check, find, opportunity, perform_as
from lever_pipeline.sandbox.store import dumps
from lever_pipeline.sandbox.validation import check_field_values

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

MAX_UPLOAD = 30 * 1024 * 1024


def register(router: Router, store: Store) -> None:
    """Add every write route to `router`, each with the name its successes are counted under."""
    w = Writes(store)
    add = router.add
    add("POST", "/v1/opportunities", w.create_opportunity, "opportunity.create")
    add("POST", "/v1/opportunities/{id}/feedback", w.create_feedback, "feedback.create")
    add("PUT", "/v1/opportunities/{id}/feedback/{sid}", w.update_feedback, "feedback.update")
    add("DELETE", "/v1/opportunities/{id}/feedback/{sid}", w.delete_feedback, "feedback.delete")
    add("POST", "/v1/opportunities/{id}/notes", w.create_note, "note.create")
    add("DELETE", "/v1/opportunities/{id}/notes/{sid}", w.delete_note, "note.delete")
    for verb in ("add", "remove"):
        for field in ("tags", "sources", "links"):
            name = f"{verb}{field.capitalize()}"
            add("POST", f"/v1/opportunities/{{id}}/{name}", w.edit_list(field, verb == "add"), f"{field}.{verb}")
    add("PUT", "/v1/opportunities/{id}/stage", w.stage, "stage")
    add("PUT", "/v1/opportunities/{id}/archived", w.archived, "archived")
    add("POST", "/v1/opportunities/{id}/files", w.upload_file, "file.upload")
    add("DELETE", "/v1/opportunities/{id}/files/{sid}", w.delete_file, "file.delete")
    add("POST", "/v1/webhooks", w.create_webhook, "webhook.create")
    add("DELETE", "/v1/webhooks/{id}", w.delete_webhook, "webhook.delete")
    requisitions.register(router, store)
    panels.register(router, store)


def _optional_ms(body: dict[str, Any], name: str, past_only: bool = False, now: int | None = None) -> int | None:
    v = body.get(name)
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise bad_request(f"{name} must be a timestamp in milliseconds since the epoch")
    if past_only and now is not None and v > now:
        raise bad_request(f"{name} must not be in the future")
    return v


class Writes:
    """Write handlers over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -------------------------------------------------------------- opportunities

    async def create_opportunity(self, req: Request) -> Response:
        """JSON create (multipart with resume files is not simulated). An email that matches
        an existing contact dedupes onto it: a new opportunity, the same contact id."""
        store = self.store
        user = perform_as(store, req, required=True)
        body = body_object(await req.json())
        fields: dict[str, Any] = {}
        name = body.get("name")
        check(isinstance(name, str) and bool(name.strip()), "name is required")
        fields["name"] = name
        for key in ("headline", "location", "opportunityLocation"):
            if key in body:
                check(isinstance(body[key], str), f"{key} must be a string")
                fields[key] = body[key]
        for key in ("emails", "links", "tags", "sources"):
            if key in body:
                v = body[key]
                check(isinstance(v, list) and all(isinstance(x, str) for x in v), f"{key} must be an array of strings")
                fields[key] = list(dict.fromkeys(v))
        if "phones" in body:
            phones = body["phones"]
            check(
                isinstance(phones, list)
                and all(isinstance(p, dict) and isinstance(p.get("value"), str) for p in phones),
                "phones must be an array of {type, value} objects",
            )
            fields["phones"] = [{"type": p.get("type", "other"), "value": p["value"]} for p in phones]
        origin = body.get("origin", "sourced")
        check(origin in ORIGINS, f"origin must be one of {', '.join(ORIGINS)}")
        stage = body.get("stage", "lead-new")
        check(stage in store.world.stage_index, f"stage {stage} is not a stage of this account")
        fields["stage"] = stage
        for key in ("owner", "followers"):
            if key in body:
                ids = body[key] if key == "followers" else [body[key]]
                check(
                    isinstance(ids, list) and all(i in store.world.users_by_id for i in ids),
                    f"{key} must name existing users",
                )
                fields[key] = body[key]
        postings = body.get("postings", [])
        check(isinstance(postings, list), "postings must be an array with at most one posting id")
        if len(postings) > 1:
            raise bad_request("postings: an opportunity can be created for exactly one posting")
        if postings and postings[0] not in store.world.postings_by_id:
            raise bad_request(f"postings: {postings[0]} is not a posting of this account")
        created = _optional_ms(body, "createdAt", past_only=True, now=store.now())
        if created is not None:
            fields["createdAt"] = created
        existing = store.find_by_email(fields.get("emails", []))
        if existing is not None:
            fields["contact"] = existing.doc["contact"]
        rec = opportunity_changes.create_opportunity(store, postings[0] if postings else None, user, origin, fields)
        return Response(201, b'{"deduped":' + (b"true" if existing else b"false") + b',"data":' + store.raw(rec) + b"}")

    # -------------------------------------------------------------- feedback

    async def create_feedback(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=True)
        body = body_object(await req.json())
        template_id = body.get("baseTemplateId")
        if not template_id:
            raise bad_request("baseTemplateId is required")
        template = store.world.templates_by_id.get(template_id) if isinstance(template_id, str) else None
        if template is None:
            raise bad_request(f"baseTemplateId {template_id} is not a feedback template")
        panel, interview = body.get("panel"), body.get("interview")
        if bool(panel) != bool(interview):
            raise bad_request("panel and interview must be given together (each is required if the other is)")
        if panel:
            kids = store.children(rec)
            if not any(p["id"] == panel for p in kids.panels):
                raise bad_request(f"panel {panel} is not a panel of opportunity {rec.id}")
            iv = next((i for i in kids.interviews if i["id"] == interview), None)
            if iv is None:
                raise bad_request(f"interview {interview} is not an interview of opportunity {rec.id}")
            if iv["panel"] != panel:
                raise bad_request(f"interview {interview} does not belong to panel {panel}")
        values = check_field_values(template, body.get("fieldValues"))
        created = _optional_ms(body, "createdAt")
        completed = _optional_ms(body, "completedAt")
        assert user is not None
        form = subresource_changes.add_feedback(
            store, rec, template, user, values, interview, panel, created, completed
        )
        return data_response(dumps(form), 201)

    async def update_feedback(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        form = find(store.children(rec).feedback, req.params["sid"], "feedback")
        body = body_object(await req.json())
        template = store.world.templates_by_id[form["baseTemplateId"]]
        values = check_field_values(template, body.get("fieldValues"), partial=True)
        form = subresource_changes.update_feedback(store, rec, form, values, _optional_ms(body, "completedAt"))
        return data_response(dumps(form))

    async def delete_feedback(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        form = find(store.children(rec).feedback, req.params["sid"], "feedback")
        subresource_changes.delete_feedback(store, rec, form)
        return Response(204, content_type=None)

    # -------------------------------------------------------------- notes

    async def create_note(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=False)
        body = body_object(await req.json())
        value = body.get("value")
        if not isinstance(value, str) or not value.strip():
            raise bad_request("value is required (the note text)")
        secret = body.get("secret", False)
        check(isinstance(secret, bool), "secret must be true or false")
        score = body.get("score")
        check(
            score is None or (isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 4),
            "score must be an integer from 1 (strong no) to 4 (strong yes)",
        )
        notify = body.get("notifyFollowers", False)
        check(isinstance(notify, bool), "notifyFollowers must be true or false")
        created = _optional_ms(body, "createdAt", past_only=True, now=store.now())
        parent = None
        note_id = req.query.get("note_id")
        if note_id:
            parent = find(store.children(rec).notes, note_id[0], "notes")
        note = subresource_changes.add_note(store, rec, value, user, secret, score, created, parent)
        return data_response(dumps({**note, "noteId": note["id"]}), 201)

    async def delete_note(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        kids = store.children(rec)
        note = find(kids.notes, req.params["sid"], "notes")
        if note["id"] not in kids.api_notes:
            raise ApiError(403, "Only notes created through the API can be deleted")
        subresource_changes.delete_note(store, rec, note)
        return Response(204, content_type=None)

    # -------------------------------------------------------------- opportunity state

    def edit_list(self, field: str, add: bool) -> Any:
        async def handler(req: Request) -> Response:
            store = self.store
            rec = opportunity(store, req)
            perform_as(store, req, required=False)
            body = body_object(await req.json())
            values = body.get(field)
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise bad_request(f"{field} must be an array of non-empty strings")
            opportunity_changes.edit_list(store, rec, field, values if add else [], [] if add else values)
            return data_response(store.raw(rec))

        return handler

    async def stage(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=False)
        body = body_object(await req.json())
        stage = body.get("stage")
        if not isinstance(stage, str) or not stage:
            raise bad_request("stage is required (a stage id)")
        if stage not in store.world.stage_index:
            raise bad_request(f"stage {stage} is not a stage of this account")
        opportunity_changes.change_stage(store, rec, stage, user)
        return data_response(store.raw(rec))

    async def archived(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=False)
        body = body_object(await req.json())
        if "reason" not in body:
            raise bad_request("reason is required (an archive reason id, or null to unarchive)")
        reason = body["reason"]
        if reason is not None and (not isinstance(reason, str) or reason not in store.world.reasons_by_id):
            raise bad_request(f"reason {reason} is not an archive reason of this account")
        check(isinstance(body.get("cleanInterviews", False), bool), "cleanInterviews must be true or false")
        requisition = None
        rid = body.get("requisitionId")
        if rid is not None:
            requisition = store.requisitions_by_id.get(rid) if isinstance(rid, str) else None
            if requisition is None:
                raise bad_request(f"requisitionId {rid} is not a requisition of this account")
            if reason is None or store.world.reasons_by_id[reason]["type"] != "hired":
                raise bad_request("requisitionId is only allowed with an archive reason of type hired")
            store.requisitions()  # offer ids resolved before the hire adds its own
        opportunity_changes.set_archived(store, rec, reason, user, requisition)
        return data_response(store.raw(rec))

    # -------------------------------------------------------------- files

    async def upload_file(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=True)
        ctype = req.header(b"content-type") or b""
        if not ctype.startswith(b"multipart/form-data"):
            raise bad_request("file upload must be multipart/form-data with a 'file' part")
        body = await req.body()
        if len(body) > MAX_UPLOAD:
            raise ApiError(413, "File is larger than 30 MB")
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        form = await StarletteRequest(req.scope, replay).form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise bad_request("multipart part 'file' is required")
        content = await upload.read()
        f = subresource_changes.add_file(store, rec, upload.filename or "upload", content, user)
        out = data_response(dumps(f), 201)
        out.body = out.body.replace(b"{sandbox-root}", req.root.encode())
        return out

    async def delete_file(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=True)
        f = find(store.children(rec).files, req.params["sid"], "files")
        subresource_changes.delete_file(store, rec, f, user)
        return Response(204, content_type=None)

    # -------------------------------------------------------------- webhooks

    async def create_webhook(self, req: Request) -> Response:
        store = self.store
        body = body_object(await req.json())
        url, event = body.get("url"), body.get("event")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request("url is required (an http(s) URL)")
        if event not in WEBHOOK_EVENTS:
            raise bad_request(f"event must be one of {', '.join(WEBHOOK_EVENTS)}")
        conditions = ((body.get("configuration") or {}).get("conditions") or {}) if isinstance(body, dict) else {}
        origins = conditions.get("origins", list(ORIGINS))
        if not isinstance(origins, list) or any(o not in ORIGINS for o in origins):
            raise bad_request(f"configuration.conditions.origins must be a list of {', '.join(ORIGINS)}")
        hook, token = webhook_changes.create_webhook(store, url, event, origins)
        shown = {
            "id": hook["id"],
            "event": event,
            "url": url,
            "configuration": {"conditions": {"origins": origins}, "signatureToken": token},
            "createdAt": hook["createdAt"],
            "updatedAt": hook["updatedAt"],
        }
        return data_response(dumps(shown), 201)

    async def delete_webhook(self, req: Request) -> Response:
        if self.store.webhooks.pop(req.params["id"], None) is None:
            raise not_found("webhooks", req.params["id"])
        return Response(204, content_type=None)
