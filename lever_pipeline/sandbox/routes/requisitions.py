"""Requisitions and requisition fields: reads with Lever's filters, and the writes.

Sources (see REFERENCE.md): the object and its recorded key order; `headcountTotal` is
"unlimited" when `headcountInfinite`; `/requisition_fields` answers without `hasNext`; the
POST answer adds `accountId`, `creatorUserId`, `ownerUserId`, `postingIds` and
`stateHistory` to the object [rec]; DELETE answers 204. The list filters `requisition_code`,
`status`, `confidentiality` and `created_at_start`/`_end` are those of Lever's docs as the
Nango Lever template sends them; confidential requisitions are hidden by default and need a
key with confidential access [Lever help centre: confidential data in the API].

Unconfirmed behaviours chosen here:
- The list is in (createdAt, id) order, like the other lists (a recorded list looked ordered
  by id, descending; clients treat the order as unspecified and page with `next`).
- Writes take posting ids as `postingIds` (the name of the recorded POST answer and of the
  Nango template's PUT); PUT replaces the whole requisition, as the Nango template's
  read-merge-write assumes. `headcountHired` is computed from hires and never written.
- A requisition code must be unique in the account; a custom field must be one of
  `/requisition_fields` with a value of its type (Lever rejects unknown keys).
- `perform_as` is optional on POST and names the creator (a recorded API create had none).
- Any requisition may be changed or deleted (no rule limiting it to API-created ones is
  documented); Lever keeps no list of deleted requisitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.changes import requisitions as requisition_changes
from lever_pipeline.sandbox.errors import bad_request, not_found
from lever_pipeline.sandbox.generate.extras import REQUISITION_STATUSES
from lever_pipeline.sandbox.http import Request, Response, Router, data_response
from lever_pipeline.sandbox.routes.common import (
    TIME_ID,
    any_of,
    body_object,
    check,
    confidentiality,
    created_key,
    list_page,
    perform_as,
    readable,
)
from lever_pipeline.sandbox.store import dumps

if TYPE_CHECKING:
    from lever_pipeline.sandbox.data import Doc
    from lever_pipeline.sandbox.store import Store

_STRINGS = ("employmentStatus", "location", "internalNotes", "department", "team")


def register(router: Router, store: Store) -> None:
    """Add the requisition and requisition-field routes to `router`."""
    r = Requisitions(store)
    router.add("GET", "/v1/requisitions", r.list)
    router.add("GET", "/v1/requisitions/{id}", r.one)
    router.add("POST", "/v1/requisitions", r.create, "requisition.create")
    router.add("PUT", "/v1/requisitions/{id}", r.replace, "requisition.update")
    router.add("DELETE", "/v1/requisitions/{id}", r.delete, "requisition.delete")
    router.add("GET", "/v1/requisition_fields", r.fields)
    router.add("GET", "/v1/requisition_fields/{id}", r.field)


class Requisitions:
    """Requisition handlers over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _get(self, rid: str) -> Doc:
        req = self.store.requisitions_by_id.get(rid)
        if req is None:
            raise not_found("requisitions", rid)
        self.store.requisitions()  # offer ids resolved before any is shown
        return readable(self.store, req)

    async def list(self, req: Request) -> Response:
        q = req.query
        codes = any_of(params.values(q, "requisition_code"))
        statuses = any_of(params.choices(q, "status", REQUISITION_STATUSES))
        conf = confidentiality(self.store, q)
        lo, hi = params.timestamp(q, "created_at_start"), params.timestamp(q, "created_at_end")

        def match(r: Doc) -> bool:
            return (
                (codes is None or r["requisitionCode"] in codes)
                and (statuses is None or r["status"] in statuses)
                and (conf is None or r["confidentiality"] in conf)
                and params.in_range(r["createdAt"], lo, hi)
            )

        return list_page(req, self.store.requisitions(), created_key, TIME_ID, match)

    async def one(self, req: Request) -> Response:
        return data_response(dumps(self._get(req.params["id"])))

    async def fields(self, req: Request) -> Response:
        # Recorded quirk: no hasNext on this list.
        return Response(200, b'{"data":' + dumps(self.store.world.requisition_fields) + b"}")

    async def field(self, req: Request) -> Response:
        for f in self.store.world.requisition_fields:
            if f["id"] == req.params["id"]:
                return data_response(dumps(f))
        raise not_found("requisition_fields", req.params["id"])

    async def create(self, req: Request) -> Response:
        store = self.store
        creator = perform_as(store, req, required=False)
        fields = self._fields(body_object(await req.json()), None)
        made = requisition_changes.create_requisition(store, fields, creator)
        shown = {
            **made,
            "accountId": store.account_id,
            "creatorUserId": made["creator"],
            "ownerUserId": made["owner"],
            "postingIds": made["postings"],
            "stateHistory": [{"beginAt": made["createdAt"], "status": made["status"]}],
        }
        return data_response(dumps(shown), 201)

    async def replace(self, req: Request) -> Response:
        current = self._get(req.params["id"])
        perform_as(self.store, req, required=False)
        fields = self._fields(body_object(await req.json()), current["id"])
        return data_response(dumps(requisition_changes.replace_requisition(self.store, current, fields)))

    async def delete(self, req: Request) -> Response:
        current = self._get(req.params["id"])
        requisition_changes.delete_requisition(self.store, current)
        return Response(204, content_type=None)

    # -------------------------------------------------------------- validation

    def _fields(self, body: dict[str, Any], own_id: str | None) -> dict[str, Any]:
        """The validated writable fields of a create or replace body (400 naming the field)."""
        world = self.store.world
        out: dict[str, Any] = {}
        code = body.get("requisitionCode")
        check(isinstance(code, str) and bool(code.strip()), "requisitionCode is required (a non-empty string)")
        for other in self.store.requisitions():
            if other["requisitionCode"] == code and other["id"] != own_id:
                raise bad_request(f"requisitionCode {code} is already used by requisition {other['id']}")
        out["requisitionCode"] = code
        name = body.get("name")
        check(isinstance(name, str) and bool(name.strip()), "name is required (a non-empty string)")
        out["name"] = name
        total = body.get("headcountTotal")
        check(
            total == "unlimited" or (isinstance(total, int) and not isinstance(total, bool) and total >= 1),
            'headcountTotal is required: a positive integer, or "unlimited"',
        )
        out["headcountTotal"] = total
        status = body.get("status", "open")
        check(status in REQUISITION_STATUSES, f"status must be one of {', '.join(REQUISITION_STATUSES)}")
        out["status"] = status
        if "backfill" in body:
            check(isinstance(body["backfill"], bool), "backfill must be true or false")
            out["backfill"] = body["backfill"]
        for key in ("owner", "hiringManager"):
            uid = body.get(key)
            check(uid is None or uid in world.users_by_id, f"{key} must be the id of a user of this account")
            out[key] = uid
        for key in _STRINGS:
            v = body.get(key)
            check(v is None or isinstance(v, str), f"{key} must be a string")
            if v is not None:
                out[key] = v
        out["compensationBand"] = _band(body.get("compensationBand"))
        postings = body.get("postingIds", [])
        check(
            isinstance(postings, list) and all(isinstance(p, str) for p in postings),
            "postingIds must be an array of posting ids",
        )
        for p in postings:
            check(p in world.postings_by_id, f"postingIds: {p} is not a posting of this account")
        out["postings"] = list(dict.fromkeys(postings))
        created = body.get("createdAt")
        if created is not None:
            check(isinstance(created, int) and not isinstance(created, bool) and created >= 0,
                  "createdAt must be a timestamp in milliseconds since the epoch")  # fmt: skip
            check(created <= self.store.now(), "createdAt must not be in the future")
            out["createdAt"] = created
        out["customFields"] = _custom_fields(world.requisition_fields, body.get("customFields", {}))
        return out


def _band(band: Any) -> Doc | None:
    if band is None:
        return None
    check(isinstance(band, dict), "compensationBand must be an object {min, max, currency, interval}")
    lo, hi = band.get("min"), band.get("max")
    for name, v in (("min", lo), ("max", hi)):
        check(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)),
            f"compensationBand.{name} must be a number",
        )
    check(lo is None or hi is None or lo <= hi, "compensationBand.min must not exceed compensationBand.max")
    for name in ("currency", "interval"):
        check(band.get(name) is None or isinstance(band.get(name), str), f"compensationBand.{name} must be a string")
    return {
        "min": lo,
        "max": hi,
        "currency": band.get("currency", "USD"),
        "interval": band.get("interval", "per-year-salary"),
    }


def _custom_fields(fields: list[Doc], values: Any) -> Doc:
    """`customFields` checked against `/requisition_fields`: known ids, values of the field's type."""
    check(isinstance(values, dict), "customFields must be an object keyed by requisition field id")
    by_id = {f["id"]: f for f in fields}
    out: Doc = {}
    for key, value in values.items():
        field = by_id.get(key)
        check(
            field is not None,
            f"customFields.{key} is not a requisition field of this account (see /requisition_fields)",
        )
        assert field is not None
        if value is None:
            out[key] = None
            continue
        if field["type"] == "object":
            check(isinstance(value, dict), f"customFields.{key} must be an object of its subfields")
            subs = {s["id"]: s for s in field.get("subfields", ())}
            for sub, v in value.items():
                check(sub in subs, f"customFields.{key}.{sub} is not a subfield of {key}")
                _check_value(f"customFields.{key}.{sub}", subs[sub], v)
        else:
            _check_value(f"customFields.{key}", field, value)
        out[key] = value
    return out


def _check_value(name: str, field: Doc, value: Any) -> None:
    t = field["type"]
    if value is None:
        return
    if t == "number":
        check(isinstance(value, int | float) and not isinstance(value, bool), f"{name} must be a number")
    elif t == "date":
        check(isinstance(value, int) and not isinstance(value, bool) and value >= 0,
              f"{name} must be a timestamp in milliseconds since the epoch")  # fmt: skip
    elif t == "dropdown":
        options = [o["text"] for o in field.get("options", ())]
        check(value in options, f"{name} must be one of the options {options}")
    else:
        check(isinstance(value, str), f"{name} must be a string")
