"""Lever's /v1 read endpoints.

Unconfirmed behaviours chosen here (see REFERENCE.md):
- `include` is accepted (unknown field names are a 400) but every field is always
  returned: recordings show `followers` and posting `content` without it.
- `posting_id` matches an opportunity's application posting whether or not it is
  archived; `archived_posting_id` matches only archived ones.
- `location=unspecified` matches opportunities with no posting location.
- Every generated opportunity is non-confidential, so `confidentiality=confidential`
  lists nothing; postings include a confidential share, hidden by default.
- Unknown query parameters are ignored, as most HTTP APIs do.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.children import blob_bytes
from lever_pipeline.sandbox.data import ROOT_PLACEHOLDER_BYTES, Doc, OppRecord
from lever_pipeline.sandbox.errors import ApiError, not_found
from lever_pipeline.sandbox.http import Request, Response, Router, data_response
from lever_pipeline.sandbox.paging import decode_token, envelope, page
from lever_pipeline.sandbox.routes.common import TIME_ID, created_key, find, list_page, opportunity
from lever_pipeline.sandbox.store import dumps
from lever_pipeline.sandbox.vocab import ORIGINS

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

OPP_EXPAND = ("applications", "stage", "owner", "followers", "sourcedBy", "contact")
POSTING_EXPAND = ("user", "owner", "hiringManager", "followers")
OPP_FIELDS = [
    "id",
    "name",
    "contact",
    "headline",
    "stage",
    "confidentiality",
    "location",
    "phones",
    "emails",
    "links",
    "archived",
    "tags",
    "sources",
    "stageChanges",
    "origin",
    "sourcedBy",
    "owner",
    "followers",
    "applications",
    "createdAt",
    "updatedAt",
    "lastInteractionAt",
    "lastAdvancedAt",
    "snoozedUntil",
    "urls",
    "isAnonymized",
    "dataProtection",
    "opportunityLocation",
]
POSTING_FIELDS = [
    "id",
    "text",
    "state",
    "distributionChannels",
    "user",
    "owner",
    "hiringManager",
    "categories",
    "tags",
    "content",
    "country",
    "followers",
    "reqCode",
    "requisitionCodes",
    "salaryRange",
    "salaryDescription",
    "urls",
    "confidentiality",
    "createdAt",
    "updatedAt",
    "workplaceType",
]


def register(router: Router, store: Store) -> None:
    """Add every read route to `router`."""
    r = Reads(store)
    get = router.add
    get("GET", "/v1/stages", r.stages)
    get("GET", "/v1/stages/{id}", r.stage)
    get("GET", "/v1/archive_reasons", r.archive_reasons)
    get("GET", "/v1/archive_reasons/{id}", r.archive_reason)
    get("GET", "/v1/sources", r.sources)
    get("GET", "/v1/tags", r.tags)
    get("GET", "/v1/users", r.users)
    get("GET", "/v1/users/{id}", r.user)
    get("GET", "/v1/postings", r.postings)
    get("GET", "/v1/postings/{id}", r.posting)
    get("GET", "/v1/feedback_templates", r.templates)
    get("GET", "/v1/feedback_templates/{id}", r.template)
    get("GET", "/v1/opportunities", r.opportunities)
    get("GET", "/v1/opportunities/deleted", r.deleted)
    get("GET", "/v1/opportunities/{id}", r.opportunity)
    for kind in ("applications", "feedback", "interviews", "notes", "resumes", "files", "offers", "panels"):
        get("GET", f"/v1/opportunities/{{id}}/{kind}", r.sub_list(kind))
        if kind != "offers":
            get("GET", f"/v1/opportunities/{{id}}/{kind}/{{sid}}", r.sub_one(kind))
    get("GET", "/v1/opportunities/{id}/resumes/{sid}/download", r.download_resume)
    get("GET", "/v1/opportunities/{id}/files/{sid}/download", r.download_file)
    get("GET", "/v1/opportunities/{id}/offers/{sid}/download", r.download_offer)
    get("GET", "/v1/webhooks", r.webhooks)


def _include(req: Request, allowed: list[str]) -> None:
    for v in params.values(req.query, "include"):
        if v not in allowed:
            raise ApiError(400, f"Invalid value for parameter include: {v!r} is not a field")


def _any_of(values: list[str]) -> set[str] | None:
    return set(values) if values else None


class Reads:
    """Read handlers over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -------------------------------------------------------------- account-level lists

    async def stages(self, req: Request) -> Response:
        stages = self.store.world.stages
        index = {s["id"]: i for i, s in enumerate(stages)}
        return list_page(req, stages, lambda s: (index[s["id"]],), (0,))

    async def stage(self, req: Request) -> Response:
        return data_response(dumps(find(self.store.world.stages, req.params["id"], "stages")))

    async def archive_reasons(self, req: Request) -> Response:
        reasons = self.store.world.archive_reasons
        types = params.choices(req.query, "type", ("hired", "non-hired"))
        index = {r["id"]: i for i, r in enumerate(reasons)}
        match = (lambda r: r["type"] in types) if types else None
        return list_page(req, reasons, lambda r: (index[r["id"]],), (0,), match)

    async def archive_reason(self, req: Request) -> Response:
        return data_response(dumps(find(self.store.world.archive_reasons, req.params["id"], "archive_reasons")))

    async def sources(self, req: Request) -> Response:
        counts = self.store.sources
        items = [{"text": t, "count": n} for t, n in sorted(counts.items()) if n > 0]
        return list_page(req, items, lambda i: (i["text"],), ("",))

    async def tags(self, req: Request) -> Response:
        counts = self.store.tags
        items = [{"text": t, "count": n} for t, n in sorted(counts.items()) if n > 0]
        return list_page(req, items, lambda i: (i["text"],), ("",))

    async def users(self, req: Request) -> Response:
        q = req.query
        emails = _any_of([e.lower() for e in params.values(q, "email")])
        roles = _any_of(params.values(q, "accessRole"))
        ext = _any_of(params.values(q, "external_directory_id"))
        deactivated = params.boolean(q, "includeDeactivated") or False

        def match(u: Doc) -> bool:
            return (
                (deactivated or u["deactivatedAt"] is None)
                and (emails is None or u["email"].lower() in emails)
                and (roles is None or u["accessRole"] in roles)
                and (ext is None or u["externalDirectoryId"] in ext)
            )

        return list_page(req, self.store.world.users, created_key, TIME_ID, match, self.store.user_bytes)

    async def user(self, req: Request) -> Response:
        user = self.store.world.users_by_id.get(req.params["id"])
        if user is None:
            raise not_found("users", req.params["id"])
        return data_response(self.store.user_bytes(user))

    async def postings(self, req: Request) -> Response:
        q = req.query
        store = self.store
        states = _any_of(
            params.choices(q, "state", ("published", "internal", "closed", "draft", "pending", "rejected"))
        )
        channels = _any_of(params.choices(q, "distributionChannel", ("public", "internal")))
        conf = params.choices(q, "confidentiality", ("confidential", "non-confidential", "all"))
        conf_set = None if "all" in conf else set(conf or ["non-confidential"])
        cats = {c: _any_of(params.values(q, c)) for c in ("team", "department", "location", "commitment", "level")}
        cats = {c: v for c, v in cats.items() if v is not None}
        tags = _any_of(params.values(q, "tag"))
        lo, hi = params.timestamp(q, "updated_at_start"), params.timestamp(q, "updated_at_end")
        _include(req, ["content", "followers"])
        expand = params.choices(q, "expand", POSTING_EXPAND)

        def match(p: Doc) -> bool:
            c = p["categories"]
            return (
                (states is None or p["state"] in states)
                and (channels is None or bool(channels.intersection(p["distributionChannels"] or ())))
                and (conf_set is None or p["confidentiality"] in conf_set)
                and all(c.get(name) in want for name, want in cats.items())
                and (tags is None or not tags.isdisjoint(p["tags"]))
                and params.in_range(p["updatedAt"], lo, hi)
            )

        render = store.posting_bytes if not expand else (lambda p: dumps(self._expand_posting(p, expand)))
        return list_page(req, store.world.postings, created_key, TIME_ID, match, render)

    def _expand_posting(self, p: Doc, expand: list[str]) -> Doc:
        users = self.store.world.users_by_id
        out = dict(p)
        for f in expand:
            if f == "followers":
                out[f] = [users[u] for u in p[f] if u in users]
            elif p[f] is not None:
                out[f] = users.get(p[f], p[f])
        return out

    async def posting(self, req: Request) -> Response:
        p = self.store.world.postings_by_id.get(req.params["id"])
        if p is None:
            raise not_found("postings", req.params["id"])
        expand = params.choices(req.query, "expand", POSTING_EXPAND)
        return data_response(dumps(self._expand_posting(p, expand)) if expand else self.store.posting_bytes(p))

    async def templates(self, req: Request) -> Response:
        return list_page(req, self.store.world.templates, created_key, TIME_ID)

    async def template(self, req: Request) -> Response:
        t = self.store.world.templates_by_id.get(req.params["id"])
        if t is None:
            raise not_found("feedback_templates", req.params["id"])
        return data_response(dumps(t))

    async def webhooks(self, req: Request) -> Response:
        # Recorded quirk: no hasNext (and never the signature token) on this list.
        hooks = [{k: v for k, v in h.items() if k != "_token"} for h in self.store.webhooks.values()]
        return Response(200, b'{"data":' + dumps(hooks) + b"}")

    # -------------------------------------------------------------- opportunities

    async def opportunities(self, req: Request) -> Response:
        store = self.store
        q = req.query
        limit = params.limit(q)
        token = params.first(q, "offset")
        after = decode_token(token, TIME_ID) if token else None
        expand = params.choices(q, "expand", OPP_EXPAND)
        _include(req, OPP_FIELDS)
        match, lo_ts, hi_ts = self._opp_filter(q)
        keys = store.keys
        lo = 0 if lo_ts is None else bisect_left(keys, (lo_ts,))
        hi = len(keys) if hi_ts is None else bisect_right(keys, (hi_ts, "\uffff"))
        chosen, next_key = page(store.opps, keys, after, limit, match, lo, hi)
        if expand:
            chunks = [dumps(self._expand_opp(rec, expand)) for rec in chosen]
        else:
            raw = store.raw
            chunks = [rec.raw or raw(rec) for rec in chosen]
        return Response(200, envelope(chunks, next_key))

    def _opp_filter(self, q: params.Query) -> tuple[Callable[[OppRecord], bool] | None, int | None, int | None]:
        """The opportunity predicate, plus the createdAt bounds (applied by bisecting)."""
        tests: list[Callable[[OppRecord], bool]] = []
        tags = _any_of(params.values(q, "tag"))
        if tags:
            tests.append(lambda r: not tags.isdisjoint(r.doc["tags"]))
        emails = _any_of([e.strip().lower() for e in params.values(q, "email")])
        if emails:
            tests.append(lambda r: any(e.lower() in emails for e in r.doc["emails"]))
        origins = _any_of(params.choices(q, "origin", ORIGINS))
        if origins:
            tests.append(lambda r: r.doc["origin"] in origins)
        sources = _any_of(params.values(q, "source"))
        if sources:
            tests.append(lambda r: not sources.isdisjoint(r.doc["sources"]))
        conf = params.choices(q, "confidentiality", ("confidential", "non-confidential", "all"))
        if "all" not in conf:
            allowed = set(conf or ["non-confidential"])
            if allowed != {"non-confidential"}:
                tests.append(lambda r: r.doc["confidentiality"] in allowed)
        for name, field in (("stage_id", "stage"), ("contact_id", "contact")):
            wanted = _any_of(params.values(q, name))
            if wanted:
                tests.append(lambda r, w=wanted, f=field: r.doc[f] in w)
        postings = _any_of(params.values(q, "posting_id"))
        if postings:
            tests.append(lambda r: r.posting in postings)
        archived_postings = _any_of(params.values(q, "archived_posting_id"))
        if archived_postings:
            tests.append(lambda r: r.doc["archived"] is not None and r.posting in archived_postings)
        reasons = _any_of(params.values(q, "archive_reason_id"))
        if reasons:
            tests.append(lambda r: r.doc["archived"] is not None and r.doc["archived"]["reason"] in reasons)
        locations = _any_of(params.values(q, "location"))
        if locations:
            tests.append(lambda r: (r.doc["opportunityLocation"] or "unspecified") in locations)
        archived = params.boolean(q, "archived")
        if archived is not None:
            tests.append(lambda r: (r.doc["archived"] is not None) == archived)
        snoozed = params.boolean(q, "snoozed")
        if snoozed is not None:
            tests.append(lambda r: (r.doc["snoozedUntil"] is not None) == snoozed)
        for prefix, get in (
            ("updated_at", lambda d: d["updatedAt"]),
            ("advanced_at", lambda d: d["lastAdvancedAt"]),
            ("archived_at", lambda d: d["archived"]["archivedAt"] if d["archived"] else None),
        ):
            lo, hi = params.timestamp(q, f"{prefix}_start"), params.timestamp(q, f"{prefix}_end")
            if lo is not None or hi is not None:
                tests.append(lambda r, lo=lo, hi=hi, get=get: params.in_range(get(r.doc), lo, hi))
        created_lo, created_hi = params.timestamp(q, "created_at_start"), params.timestamp(q, "created_at_end")
        if not tests:
            return None, created_lo, created_hi
        if len(tests) == 1:
            return tests[0], created_lo, created_hi
        return (lambda r: all(t(r) for t in tests)), created_lo, created_hi

    def _expand_opp(self, rec: OppRecord, expand: list[str]) -> Doc:
        store = self.store
        users = store.world.users_by_id
        doc = rec.doc
        out: dict[str, Any] = dict(doc)
        for f in expand:
            if f == "applications":
                app = store.children(rec).application
                out[f] = [app] if app else []
            elif f == "stage":
                out[f] = store.world.stages[store.world.stage_index[doc["stage"]]]
            elif f == "followers":
                out[f] = [users[u] for u in doc[f] if u in users]
            elif f == "contact":
                out[f] = {
                    "id": doc["contact"],
                    "name": doc["name"],
                    "headline": doc["headline"],
                    "isAnonymized": doc["isAnonymized"],
                    "location": {"name": doc["location"]},
                    "emails": doc["emails"],
                    "phones": doc["phones"],
                }
            elif doc[f] is not None:
                out[f] = users.get(doc[f], doc[f])
        return out

    async def opportunity(self, req: Request) -> Response:
        rec = opportunity(self.store, req)
        expand = params.choices(req.query, "expand", OPP_EXPAND)
        _include(req, OPP_FIELDS)
        return data_response(dumps(self._expand_opp(rec, expand)) if expand else self.store.raw(rec))

    async def deleted(self, req: Request) -> Response:
        lo = params.timestamp(req.query, "deleted_at_start")
        hi = params.timestamp(req.query, "deleted_at_end")
        items = self.store.deleted

        def render(r: OppRecord) -> bytes:
            return dumps({**r.doc, "deletedAt": r.deleted_at, "deletedBy": r.deleted_by})

        return list_page(
            req,
            items,
            lambda r: (r.deleted_at, r.id),
            TIME_ID,
            (lambda r: params.in_range(r.deleted_at, lo, hi)) if lo is not None or hi is not None else None,
            render,
        )

    # -------------------------------------------------------------- sub-resources

    def _items(self, rec: OppRecord, kind: str) -> list[Doc]:
        kids = self.store.children(rec)
        if kind == "applications":
            return [kids.application] if kids.application else []
        return getattr(kids, kind)

    def sub_list(self, kind: str) -> Callable[[Request], Any]:
        uploaded = kind in ("resumes", "files")
        with_root = kind in ("resumes", "files", "offers")

        async def handler(req: Request) -> Response:
            rec = opportunity(self.store, req)
            items = self._items(rec, kind)
            match = None
            if uploaded:
                lo = params.timestamp(req.query, "uploaded_at_start")
                hi = params.timestamp(req.query, "uploaded_at_end")
                if lo is not None or hi is not None:
                    get = (lambda d: d["file"]["uploadedAt"]) if kind == "resumes" else (lambda d: d["uploadedAt"])
                    match = lambda d: params.in_range(get(d), lo, hi)  # noqa: E731
            key = _uploaded_key if kind == "files" else created_key
            render = dumps
            if kind == "offers":
                expand = params.choices(req.query, "expand", ("creator",))
                if expand:
                    users = self.store.world.users_by_id
                    render = lambda o: dumps({**o, "creator": users.get(o["creator"], o["creator"])})  # noqa: E731
            return list_page(req, items, key, TIME_ID, match, render, with_root)

        return handler

    def sub_one(self, kind: str) -> Callable[[Request], Any]:
        async def handler(req: Request) -> Response:
            rec = opportunity(self.store, req)
            item = find(self._items(rec, kind), req.params["sid"], kind)
            body = data_response(dumps(item))
            if kind in ("resumes", "files"):
                body.body = body.body.replace(ROOT_PLACEHOLDER_BYTES, req.root.encode())
            return body

        return handler

    def _blob(self, rec: OppRecord, object_id: str, name: str) -> bytes:
        kids = self.store.children(rec)
        return kids.blobs.get(object_id) or blob_bytes(object_id, name)

    async def download_resume(self, req: Request) -> Response:
        rec = opportunity(self.store, req)
        resume = find(self.store.children(rec).resumes, req.params["sid"], "resumes")
        f = resume["file"]
        if f["status"] != "processed":
            raise ApiError(422, f"Resume {resume['id']} has not been processed yet")
        return _file_response(self._blob(rec, resume["id"], f["name"]), f["name"])

    async def download_file(self, req: Request) -> Response:
        rec = opportunity(self.store, req)
        f = find(self.store.children(rec).files, req.params["sid"], "files")
        if f["status"] != "processed":
            raise ApiError(422, f"File {f['id']} cannot be downloaded (status {f['status']})")
        return _file_response(self._blob(rec, f["id"], f["name"]), f["name"])

    async def download_offer(self, req: Request) -> Response:
        rec = opportunity(self.store, req)
        offer = find(self.store.children(rec).offers, req.params["sid"], "offers")
        which = params.choices(req.query, "status", ("sent", "signed"))
        doc = offer["signedDocument" if which and which[0] == "signed" else "sentDocument"]
        if doc is None:
            raise not_found("offer documents", offer["id"])
        key = f"{offer['id']}-{which[0] if which else 'sent'}"
        return _file_response(self._blob(rec, key, doc["fileName"]), doc["fileName"])


def _uploaded_key(d: Doc) -> tuple[int, str]:
    return (d["uploadedAt"], d["id"])


def _file_response(content: bytes, name: str) -> Response:
    ext = name.rsplit(".", 1)[-1].lower()
    ctype = {"pdf": b"application/pdf", "png": b"image/png"}.get(ext, b"application/octet-stream")
    return Response(
        200,
        content,
        [(b"content-disposition", f'attachment; filename="{name}"'.encode())],
        content_type=ctype,
    )
