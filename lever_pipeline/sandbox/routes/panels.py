"""Writes of externally managed panels and their interviews (REFERENCE.md section 4).

`POST /opportunities/:id/panels` creates a panel (201, `externallyManaged: true`); `PUT` and
`DELETE /opportunities/:id/panels/:pid` replace or remove one; `POST
/opportunities/:id/interviews` adds an interview to one, `PUT`/`DELETE
/opportunities/:id/interviews/:iid` replace or remove one. `perform_as` is required on every
one of them [docs]. Only externally managed panels can be changed [docs].

Unconfirmed behaviours chosen here:
- Changing a panel (or an interview of a panel) that Lever manages is a 403, as the other
  "only what the API created" rules answer.
- Defaults as a recorded create answered: `feedbackReminder` "daily", `feedbackTemplate`
  "no-feedback", `applications` [], `note` null, `location` null.
- `timezone` must be an IANA name; `date` is required (ms); `applications` may only name the
  opportunity's own application.
- `PUT .../panels/:pid` keeps an interview whose `id` it names; naming an id the panel does
  not have is a 400. Deleting a panel's last interview deletes the panel [docs].
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox.changes import panels as panel_changes
from lever_pipeline.sandbox.changes.panels import InterviewSpec, PanelSpec
from lever_pipeline.sandbox.errors import ApiError, bad_request
from lever_pipeline.sandbox.http import Request, Response, Router, data_response
from lever_pipeline.sandbox.routes.common import body_object, check, find, opportunity, perform_as
from lever_pipeline.sandbox.store import dumps

if TYPE_CHECKING:
    from lever_pipeline.sandbox.data import Doc, OppRecord
    from lever_pipeline.sandbox.store import Store

REMINDERS = ("once", "daily", "frequently", "none")
_NOT_EXTERNAL = "Only externally managed panels (created through the API) can be changed through the API"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def register(router: Router, store: Store) -> None:
    """Add the panel and interview write routes to `router`."""
    p = PanelWrites(store)
    router.add("POST", "/v1/opportunities/{id}/panels", p.create_panel, "panel.create")
    router.add("PUT", "/v1/opportunities/{id}/panels/{sid}", p.replace_panel, "panel.update")
    router.add("DELETE", "/v1/opportunities/{id}/panels/{sid}", p.delete_panel, "panel.delete")
    router.add("POST", "/v1/opportunities/{id}/interviews", p.create_interview, "interview.create")
    router.add("PUT", "/v1/opportunities/{id}/interviews/{sid}", p.replace_interview, "interview.update")
    router.add("DELETE", "/v1/opportunities/{id}/interviews/{sid}", p.delete_interview, "interview.delete")


class PanelWrites:
    """Panel and interview write handlers over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _external(self, rec: OppRecord, panel_id: str) -> Doc:
        panel = find(self.store.children(rec).panels, panel_id, "panels")
        if not panel["externallyManaged"]:
            raise ApiError(403, _NOT_EXTERNAL)
        return panel

    async def create_panel(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        user = perform_as(store, req, required=True)
        spec = self._panel(rec, body_object(await req.json()), None)
        assert user is not None
        return data_response(dumps(panel_changes.create_panel(store, rec, user, spec)), 201)

    async def replace_panel(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        panel = self._external(rec, req.params["sid"])
        spec = self._panel(rec, body_object(await req.json()), panel)
        return data_response(dumps(panel_changes.replace_panel(store, rec, panel, spec)))

    async def delete_panel(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        panel_changes.delete_panel(store, rec, self._external(rec, req.params["sid"]))
        return Response(204, content_type=None)

    async def create_interview(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        body = body_object(await req.json())
        panel_id = body.get("panel")
        check(isinstance(panel_id, str) and bool(panel_id), "panel is required (the id of an externally managed panel)")
        if not any(p["id"] == panel_id for p in store.children(rec).panels):
            raise bad_request(f"panel {panel_id} is not a panel of opportunity {rec.id}")
        panel = self._external(rec, panel_id)
        spec = self._interview(body, "body", panel["feedbackReminder"])
        return data_response(dumps(panel_changes.add_interview(store, rec, panel, spec)), 201)

    async def replace_interview(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        interview = find(store.children(rec).interviews, req.params["sid"], "interviews")
        panel = self._external(rec, interview["panel"])
        body = body_object(await req.json())
        check(body.get("panel") in (None, panel["id"]), "panel: an interview cannot move to another panel")
        spec = self._interview(body, "body", panel["feedbackReminder"])
        return data_response(dumps(panel_changes.replace_interview(store, rec, panel, interview, spec)))

    async def delete_interview(self, req: Request) -> Response:
        store = self.store
        rec = opportunity(store, req)
        perform_as(store, req, required=True)
        interview = find(store.children(rec).interviews, req.params["sid"], "interviews")
        panel_changes.delete_interview(store, rec, self._external(rec, interview["panel"]), interview)
        return Response(204, content_type=None)

    # -------------------------------------------------------------- validation

    def _panel(self, rec: OppRecord, body: dict[str, Any], current: Doc | None) -> PanelSpec:
        tz = body.get("timezone")
        check(isinstance(tz, str) and tz in _zones(), "timezone is required (an IANA time zone, e.g. America/New_York)")
        reminder = body.get("feedbackReminder", "daily")
        check(reminder in REMINDERS, f"feedbackReminder must be one of {', '.join(REMINDERS)}")
        interviews = body.get("interviews")
        check(isinstance(interviews, list) and bool(interviews), "interviews is required (a non-empty array)")
        specs = [self._interview(i, f"interviews[{n}]", reminder) for n, i in enumerate(interviews)]
        existing = {e["id"] for e in current["interviews"]} if current else set()
        for n, s in enumerate(specs):
            if s.id is not None and s.id not in existing:
                raise bad_request(f"interviews[{n}].id: {s.id} is not an interview of this panel")
        apps = body.get("applications", [])
        check(isinstance(apps, list), "applications must be an array of application ids")
        for a in apps:
            check(a in rec.doc["applications"], f"applications: {a} is not an application of opportunity {rec.id}")
        note, url = body.get("note"), body.get("externalUrl")
        check(note is None or isinstance(note, str), "note must be a string")
        check(url is None or (isinstance(url, str) and url.startswith(("http://", "https://"))),
              "externalUrl must be an http(s) URL")  # fmt: skip
        return PanelSpec(tz, specs, list(apps), reminder, note, url)

    def _interview(self, item: Any, where: str, default_reminder: str) -> InterviewSpec:
        store = self.store
        check(isinstance(item, dict), f"{where} must be an object")
        people = item.get("interviewers")
        check(isinstance(people, list) and bool(people), f"{where}.interviewers is required (at least one {{id}})")
        ids = []
        for k, person in enumerate(people):
            uid = person.get("id") if isinstance(person, dict) else None
            check(isinstance(uid, str) and uid in store.world.users_by_id,
                  f"{where}.interviewers[{k}].id must be the id of a user of this account")  # fmt: skip
            ids.append(uid)
        date = item.get("date")
        check(isinstance(date, int) and not isinstance(date, bool) and date >= 0,
              f"{where}.date is required (a timestamp in milliseconds since the epoch)")  # fmt: skip
        duration = item.get("duration")
        check(isinstance(duration, int) and not isinstance(duration, bool) and duration >= 1,
              f"{where}.duration is required (whole minutes, at least 1)")  # fmt: skip
        for key in ("subject", "note", "location"):
            check(item.get(key) is None or isinstance(item.get(key), str), f"{where}.{key} must be a string")
        template = item.get("feedbackTemplate", "no-feedback")
        check(
            template in store.world.templates_by_id, f"{where}.feedbackTemplate {template} is not a feedback template"
        )
        reminder = item.get("feedbackReminder", default_reminder)
        check(reminder in REMINDERS, f"{where}.feedbackReminder must be one of {', '.join(REMINDERS)}")
        iid = item.get("id")
        check(iid is None or isinstance(iid, str), f"{where}.id must be a string")
        return InterviewSpec(
            ids, date, duration, item.get("subject") or "", item.get("note") or "", item.get("location"), template,
            reminder, iid,
        )  # fmt: skip
