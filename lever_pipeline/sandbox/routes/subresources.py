"""Reads of an opportunity's sub-resources (applications, feedback, interviews, notes,
resumes, files, offers, panels, referrals, profile forms, file actions) and the downloads of
resumes, files and offer documents. The deprecated `/candidates/:id/...` paths serve the same
lists (a candidate's id is its opportunity's id [docs: deprecated Candidates]).

Download URLs are stored with a placeholder root; it becomes this server's URL as served.

Unconfirmed behaviours chosen here:
- `/referrals` [docs: Referrals] lists the referral form of a referred opportunity;
  `/forms` [docs: Profile Forms] its profile forms; both have single reads.
- `/file_actions` (shape from the Nango Lever template) is a list only, in (occurredAt, id)
  order, filtered by `occurred_at_start`/`_end`, both inclusive like every Lever range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.data import ROOT_PLACEHOLDER_BYTES, Doc, OppRecord
from lever_pipeline.sandbox.errors import ApiError, not_found
from lever_pipeline.sandbox.generate.children import blob_bytes
from lever_pipeline.sandbox.http import Request, Response, data_response
from lever_pipeline.sandbox.routes.common import TIME_ID, created_key, find, list_page, opportunity
from lever_pipeline.sandbox.store import dumps

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

#: Sub-resource kinds served at /v1/opportunities/{id}/<kind> (offers have no single read).
KINDS = (
    "applications",
    "feedback",
    "interviews",
    "notes",
    "resumes",
    "files",
    "offers",
    "panels",
    "referrals",
    "forms",
    "file_actions",
)
#: Kinds with no single-object read.
LIST_ONLY = ("offers", "file_actions")
#: Kinds the deprecated /candidates/:id/... paths serve.
CANDIDATE_KINDS = ("applications", "feedback", "interviews", "notes", "resumes", "files", "offers", "referrals")


class SubresourceReads:
    """Read handlers for the sub-resources of one store's opportunities."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _items(self, rec: OppRecord, kind: str) -> list[Doc]:
        kids = self.store.children(rec)
        if kind == "applications":
            return [kids.application] if kids.application else []
        return getattr(kids, kind)

    def sub_list(self, kind: str) -> Callable[[Request], Any]:
        """The list handler for one kind (with `uploaded_at_*` for resumes and files,
        `expand=creator` for offers)."""
        uploaded = kind in ("resumes", "files")
        with_root = kind in ("resumes", "files", "offers")

        async def handler(req: Request) -> Response:
            rec = opportunity(self.store, req)
            items = self._items(rec, kind)
            match = None
            if kind == "file_actions":
                lo = params.timestamp(req.query, "occurred_at_start")
                hi = params.timestamp(req.query, "occurred_at_end")
                if lo is not None or hi is not None:
                    match = lambda d: params.in_range(d["occurredAt"], lo, hi)  # noqa: E731
            if uploaded:
                lo = params.timestamp(req.query, "uploaded_at_start")
                hi = params.timestamp(req.query, "uploaded_at_end")
                if lo is not None or hi is not None:
                    get = (lambda d: d["file"]["uploadedAt"]) if kind == "resumes" else (lambda d: d["uploadedAt"])
                    match = lambda d: params.in_range(get(d), lo, hi)  # noqa: E731
            key = _uploaded_key if kind == "files" else _occurred_key if kind == "file_actions" else created_key
            render = dumps
            if kind == "offers":
                expand = params.choices(req.query, "expand", ("creator",))
                if expand:
                    users = self.store.world.users_by_id
                    render = lambda o: dumps({**o, "creator": users.get(o["creator"], o["creator"])})  # noqa: E731
            return list_page(req, items, key, TIME_ID, match, render, with_root)

        return handler

    def sub_one(self, kind: str) -> Callable[[Request], Any]:
        """The single-object handler for one kind."""

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


def _occurred_key(d: Doc) -> tuple[int, str]:
    return (d["occurredAt"], d["id"])


def _file_response(content: bytes, name: str) -> Response:
    ext = name.rsplit(".", 1)[-1].lower()
    ctype = {"pdf": b"application/pdf", "png": b"image/png"}.get(ext, b"application/octet-stream")
    return Response(
        200,
        content,
        [(b"content-disposition", f'attachment; filename="{name}"'.encode())],
        content_type=ctype,
    )
