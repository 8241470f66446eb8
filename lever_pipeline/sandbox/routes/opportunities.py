"""Reads of opportunities: the filtered list, one opportunity, and the deleted ones; and the
deprecated candidates, which Lever still serves from the same data.

Unconfirmed behaviours chosen here (see REFERENCE.md):
- `include` is accepted (unknown field names are a 400) but every field is always
  returned: recordings show `followers` without it.
- `posting_id` matches an opportunity's application posting whether or not it is
  archived; `archived_posting_id` matches only archived ones.
- `location=unspecified` matches opportunities with no posting location.
- `/candidates` and `/candidates/:id` [docs: deprecated Candidates: "Candidate & Opportunity
  UID"] answer each opportunity in the candidate shape: its fields without
  `opportunityLocation`, plus the legacy `resume: null`; they take the opportunity filters
  and hide confidential ones by default [Lever help centre: the /candidates list excludes
  confidential data by default].
- An opportunity is confidential exactly when its posting is (Lever renders candidacies
  on a confidential posting confidential); a key without confidential access gets 403 for
  asking a list for them, and for reading one (or its sub-resources) by id.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.http import Request, Response, data_response
from lever_pipeline.sandbox.paging import decode_token, envelope, page
from lever_pipeline.sandbox.routes.common import (
    TIME_ID,
    any_of,
    check_include,
    confidentiality,
    list_page,
    opportunity,
)
from lever_pipeline.sandbox.store import dumps
from lever_pipeline.sandbox.vocab import ORIGINS

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

OPP_EXPAND = ("applications", "stage", "owner", "followers", "sourcedBy", "contact")
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

Test = Callable[[OppRecord], bool]


class OpportunityReads:
    """Read handlers for the opportunities of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def opportunities(self, req: Request) -> Response:
        return self._list(req, candidates=False)

    async def candidates(self, req: Request) -> Response:
        return self._list(req, candidates=True)

    def _list(self, req: Request, candidates: bool) -> Response:
        store = self.store
        q = req.query
        limit = params.limit(q)
        token = params.first(q, "offset")
        after = decode_token(token, TIME_ID) if token else None
        expand = params.choices(q, "expand", OPP_EXPAND)
        check_include(req, OPP_FIELDS)
        match, lo_ts, hi_ts = _opp_filter(q, confidentiality(store, q))
        keys = store.keys
        lo = 0 if lo_ts is None else bisect_left(keys, (lo_ts,))
        hi = len(keys) if hi_ts is None else bisect_right(keys, (hi_ts, "\uffff"))
        chosen, next_key = page(store.opps, keys, after, limit, match, lo, hi)
        if candidates:
            chunks = [dumps(candidate(self._expand_opp(rec, expand) if expand else rec.doc)) for rec in chosen]
        elif expand:
            chunks = [dumps(self._expand_opp(rec, expand)) for rec in chosen]
        else:
            raw = store.raw
            chunks = [rec.raw or raw(rec) for rec in chosen]
        return Response(200, envelope(chunks, next_key))

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
        check_include(req, OPP_FIELDS)
        return data_response(dumps(self._expand_opp(rec, expand)) if expand else self.store.raw(rec))

    async def candidate(self, req: Request) -> Response:
        rec = opportunity(self.store, req)
        expand = params.choices(req.query, "expand", OPP_EXPAND)
        return data_response(dumps(candidate(self._expand_opp(rec, expand) if expand else rec.doc)))

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


def candidate(doc: Doc) -> Doc:
    """An opportunity in the deprecated candidate shape."""
    out = {k: v for k, v in doc.items() if k != "opportunityLocation"}
    out["resume"] = None
    return out


def _opp_filter(q: params.Query, conf: set[str] | None) -> tuple[Test | None, int | None, int | None]:
    """The opportunity predicate, plus the createdAt bounds (applied by bisecting).

    `conf`: the confidentiality values kept (None: all). Parameters are read in a fixed
    order, so a request with several bad ones always gets the same 400.
    """
    tests = [*_value_tests(q, conf), *_window_tests(q)]
    created_lo, created_hi = params.timestamp(q, "created_at_start"), params.timestamp(q, "created_at_end")
    if not tests:
        return None, created_lo, created_hi
    if len(tests) == 1:
        return tests[0], created_lo, created_hi
    return (lambda r: all(t(r) for t in tests)), created_lo, created_hi


def _value_tests(q: params.Query, conf: set[str] | None) -> list[Test]:
    """Tests for the filters that match values: tags, emails, ids, flags."""
    tests: list[Test] = []
    tags = any_of(params.values(q, "tag"))
    if tags:
        tests.append(lambda r: not tags.isdisjoint(r.tags))
    emails = any_of([e.strip().lower() for e in params.values(q, "email")])
    if emails:
        tests.append(lambda r: any(e.lower() in emails for e in r.emails))
    origins = any_of(params.choices(q, "origin", ORIGINS))
    if origins:
        tests.append(lambda r: r.origin in origins)
    sources = any_of(params.values(q, "source"))
    if sources:
        tests.append(lambda r: not sources.isdisjoint(r.sources))
    if conf is not None:
        tests.append(lambda r: r.confidentiality in conf)
    stages = any_of(params.values(q, "stage_id"))
    if stages:
        tests.append(lambda r: r.stage in stages)
    contacts = any_of(params.values(q, "contact_id"))
    if contacts:
        tests.append(lambda r: r.contact in contacts)
    postings = any_of(params.values(q, "posting_id"))
    if postings:
        tests.append(lambda r: r.posting in postings)
    archived_postings = any_of(params.values(q, "archived_posting_id"))
    if archived_postings:
        tests.append(lambda r: r.archived and r.posting in archived_postings)
    reasons = any_of(params.values(q, "archive_reason_id"))
    if reasons:
        tests.append(lambda r: r.archive_reason in reasons)
    locations = any_of(params.values(q, "location"))
    if locations:
        tests.append(lambda r: (r.location or "unspecified") in locations)
    archived = params.boolean(q, "archived")
    if archived is not None:
        tests.append(lambda r: r.archived == archived)
    snoozed = params.boolean(q, "snoozed")
    if snoozed is not None:
        tests.append(lambda r: (r.snoozed_until is not None) == snoozed)
    return tests


def _window_tests(q: params.Query) -> list[Test]:
    """Tests for the time windows other than createdAt (which bisects instead)."""
    tests: list[Test] = []
    for prefix, get in (
        ("updated_at", lambda r: r.updated_at),
        ("advanced_at", lambda r: r.advanced_at),
        ("archived_at", lambda r: r.archived_at),
    ):
        lo, hi = params.timestamp(q, f"{prefix}_start"), params.timestamp(q, f"{prefix}_end")
        if lo is not None or hi is not None:
            tests.append(lambda r, lo=lo, hi=hi, get=get: params.in_range(get(r), lo, hi))
    return tests
