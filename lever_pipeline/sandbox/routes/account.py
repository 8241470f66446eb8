"""Reads of the account-level objects: stages, archive reasons, sources, tags, users,
postings (and deleted postings), feedback and profile form templates, registered webhooks.

Unconfirmed behaviours chosen here (see REFERENCE.md):
- Postings' `include` is accepted (unknown field names are a 400) but every field is
  always returned: recordings show `content` without it.
- Postings include a confidential share, hidden unless `confidentiality` asks for it; a
  key without confidential access gets 403 for asking, and for reading one by id.
- `GET /postings/deleted` [rec: exists] answers postings as they were plus `deletedAt` and
  `deletedBy`, like `/opportunities/deleted` [REFERENCE.md], filtered by
  `deleted_at_start`/`_end` (inclusive), in (deletedAt, id) order. Like
  `/opportunities/deleted` it lists confidential ones too: a deletion is not confidential data.
- `GET /form_templates` lists the profile form templates [docs: Profile Form Templates].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.data import Doc
from lever_pipeline.sandbox.errors import not_found
from lever_pipeline.sandbox.http import Request, Response, data_response
from lever_pipeline.sandbox.routes.common import (
    TIME_ID,
    any_of,
    check_include,
    confidentiality,
    created_key,
    find,
    list_page,
    readable,
)
from lever_pipeline.sandbox.store import dumps

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

POSTING_EXPAND = ("user", "owner", "hiringManager", "followers")


class AccountReads:
    """Read handlers for the account-level objects of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

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
        emails = any_of([e.lower() for e in params.values(q, "email")])
        roles = any_of(params.values(q, "accessRole"))
        ext = any_of(params.values(q, "external_directory_id"))
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
        states = any_of(params.choices(q, "state", ("published", "internal", "closed", "draft", "pending", "rejected")))
        channels = any_of(params.choices(q, "distributionChannel", ("public", "internal")))
        conf_set = confidentiality(store, q)
        cats = {c: any_of(params.values(q, c)) for c in ("team", "department", "location", "commitment", "level")}
        cats = {c: v for c, v in cats.items() if v is not None}
        tags = any_of(params.values(q, "tag"))
        lo, hi = params.timestamp(q, "updated_at_start"), params.timestamp(q, "updated_at_end")
        check_include(req, ["content", "followers"])
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
        readable(self.store, p)
        expand = params.choices(req.query, "expand", POSTING_EXPAND)
        return data_response(dumps(self._expand_posting(p, expand)) if expand else self.store.posting_bytes(p))

    async def deleted_postings(self, req: Request) -> Response:
        lo = params.timestamp(req.query, "deleted_at_start")
        hi = params.timestamp(req.query, "deleted_at_end")
        match = (lambda p: params.in_range(p["deletedAt"], lo, hi)) if lo is not None or hi is not None else None
        return list_page(req, self.store.deleted_postings, lambda p: (p["deletedAt"], p["id"]), TIME_ID, match)

    async def form_templates(self, req: Request) -> Response:
        return list_page(req, self.store.world.form_templates, created_key, TIME_ID)

    async def form_template(self, req: Request) -> Response:
        return data_response(dumps(find(self.store.world.form_templates, req.params["id"], "form_templates")))

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
