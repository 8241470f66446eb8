"""Helpers the /v1 handlers share: looking objects up (404s, and 403 for confidential ones
the key may not read), paging small lists, common query parameters (`include`,
`perform_as`, `confidentiality`, any-of filters) and body checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lever_pipeline.sandbox import params
from lever_pipeline.sandbox.data import ROOT_PLACEHOLDER_BYTES, Doc, OppRecord
from lever_pipeline.sandbox.errors import ApiError, bad_request, not_found
from lever_pipeline.sandbox.http import Request, Response
from lever_pipeline.sandbox.paging import Key, decode_token, envelope, page
from lever_pipeline.sandbox.store import dumps

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store

TIME_ID: Key = (0, "")


CONFIDENTIALITY = ("confidential", "non-confidential", "all")
_NO_CONFIDENTIAL_ACCESS = "This API key does not have access to confidential data"


def opportunity(store: Store, req: Request) -> OppRecord:
    """The opportunity named by the `{id}` path parameter: 404 if unknown, 403 if confidential
    and the key may not. Under the deprecated /candidates paths the id is a candidate's, which
    is its opportunity's id."""
    rec = store.opp(req.params["id"])
    if rec is None:
        raise not_found("candidates" if req.path.startswith("/v1/candidates") else "opportunities", req.params["id"])
    readable(store, rec.doc)
    return rec


def readable(store: Store, doc: Doc) -> Doc:
    """`doc`, or 403 when it is confidential and the key was not granted confidential access."""
    if doc.get("confidentiality") == "confidential" and not store.config.confidential_access:
        raise ApiError(403, _NO_CONFIDENTIAL_ACCESS)
    return doc


def confidentiality(store: Store, q: params.Query) -> set[str] | None:
    """The confidentiality values a list keeps (None: all); Lever's default is non-confidential.

    Asking for confidential data with a key that may not read it is a 403.
    """
    wanted = params.choices(q, "confidentiality", CONFIDENTIALITY)
    if wanted and set(wanted) != {"non-confidential"} and not store.config.confidential_access:
        raise ApiError(403, f"{_NO_CONFIDENTIAL_ACCESS}: confidentiality={','.join(wanted)} is not allowed")
    return None if "all" in wanted else set(wanted or ["non-confidential"])


def find(items: Sequence[Doc], object_id: str, kind: str) -> Doc:
    for d in items:
        if d["id"] == object_id:
            return d
    raise not_found(kind, object_id)


def created_key(d: Doc) -> Key:
    return (d["createdAt"], d["id"])


def list_page(
    req: Request,
    items: Sequence[Any],
    key: Callable[[Any], Key],
    like: Key,
    match: Callable[[Any], bool] | None = None,
    render: Callable[[Any], bytes] = dumps,
    with_root: bool = False,
) -> Response:
    """One page of a small list (keys computed on the fly) in Lever's envelope."""
    limit = params.limit(req.query)
    token = params.first(req.query, "offset")
    after = decode_token(token, like) if token else None
    keys = [key(i) for i in items]
    chosen, next_key = page(items, keys, after, limit, match)
    body = envelope((render(i) for i in chosen), next_key)
    if with_root:
        body = body.replace(ROOT_PLACEHOLDER_BYTES, req.root.encode())
    return Response(200, body)


def check_include(req: Request, allowed: list[str]) -> None:
    """400 when `include` names a field outside `allowed` (every field is always returned)."""
    for v in params.values(req.query, "include"):
        if v not in allowed:
            raise ApiError(400, f"Invalid value for parameter include: {v!r} is not a field")


def any_of(values: list[str]) -> set[str] | None:
    """The set of wanted values of a repeatable filter, or None when it was not given."""
    return set(values) if values else None


def perform_as(store: Store, req: Request, required: bool) -> str | None:
    """The `perform_as` user id: 400 when required and missing, or when not an active user."""
    uid = params.first(req.query, "perform_as")
    if not uid:
        if required:
            raise bad_request("Missing required query parameter perform_as (the id of an active user)")
        return None
    user = store.world.users_by_id.get(uid)
    if user is None:
        raise bad_request(f"Invalid value for parameter perform_as: user {uid} does not exist")
    if user["deactivatedAt"] is not None:
        raise bad_request(f"Invalid value for parameter perform_as: user {uid} is deactivated")
    return uid


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def check(cond: bool, message: str) -> None:
    if not cond:
        raise ApiError(400, message)
