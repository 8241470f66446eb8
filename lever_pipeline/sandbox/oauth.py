"""Lever's OAuth partner flow, as the sandbox serves it beside /v1.

A partner app sends the user to `GET /authorize`; Lever asks the user to consent and
redirects back with a one-time code, which the app exchanges at `POST /oauth/token`
(form-encoded) for a Bearer access token, and, when it asked for `offline_access`, a
refresh token. The sandbox has no human to ask: it consents at once. Everything is
kept in memory; tokens are random and mean nothing outside this process.

Rules the sandbox keeps (Lever's documented ones, and the OAuth 2.0 spec where Lever says
nothing):

- One registered client, `config.oauth_client_id` / `config.oauth_client_secret`. Client
  credentials may come as form fields or as HTTP Basic on the token endpoint.
- `audience` must be the sandbox's own API root, `<root>/v1/` (the trailing slash optional).
- Codes are single use and expire after `CODE_TTL_S`; the token exchange must repeat the
  authorize request's `redirect_uri`.
- Access tokens live `config.access_token_ttl_s`. Refresh tokens do not expire (Lever's last a
  year) and are not rotated; a refresh leaves the old access token valid until its own expiry.
- A token with `<resource>:write:admin` may also read that resource (Lever: "write scopes
  include all corresponding read permissions").

Which scope a /v1 call needs comes from `ROUTE_RESOURCES` below; `SCOPES` lists every scope
`/authorize` accepts.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import orjson

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.errors import ApiError
from lever_pipeline.sandbox.http import Response
from lever_pipeline.sandbox.stats import Stats

#: Authorization codes expire this many seconds after the redirect.
CODE_TTL_S = 600.0

#: The scope asking for a refresh token.
OFFLINE_ACCESS = "offline_access"

#: Path segment of a /v1 route -> the resource its scope names. The scope a call needs is
#: taken from the LAST listed literal segment of the route, so `/opportunities/{id}/notes`
#: needs `notes:...` and `/opportunities/{id}/stage` (no listed segment after the id) needs
#: `opportunities:...`. Candidates are opportunities' old name in Lever's API. A route none
#: of whose segments is listed falls back to its first segment.
ROUTE_RESOURCES: dict[str, str] = {
    "opportunities": "opportunities",
    "candidates": "opportunities",
    "applications": "applications",
    "contacts": "contact",
    "notes": "notes",
    "feedback": "feedback",
    "files": "files",
    "file_actions": "files",
    "resumes": "resumes",
    "offers": "offers",
    "interviews": "interviews",
    "panels": "panels",
    "forms": "forms",
    "referrals": "referrals",
    "postings": "postings",
    "users": "users",
    "stages": "stages",
    "archive_reasons": "archive_reasons",
    "tags": "tags",
    "sources": "sources",
    "requisitions": "requisitions",
    "requisition_fields": "requisition_fields",
    "webhooks": "webhooks",
    "feedback_templates": "feedback_templates",
    "form_templates": "form_templates",
}

#: Every scope `/authorize` accepts: `<resource>:read:admin` and `<resource>:write:admin` for
#: each resource above, and `offline_access`.
SCOPES: frozenset[str] = frozenset(
    {f"{r}:{access}:admin" for r in ROUTE_RESOURCES.values() for access in ("read", "write")} | {OFFLINE_ACCESS}
)

_READ_METHODS = frozenset({"GET", "HEAD"})
_FORM = b"application/x-www-form-urlencoded"
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_TEXT = b"text/plain; charset=utf-8"
#: Expired codes and access tokens are swept when a table grows past this many entries.
_SWEEP_AT = 10_000


def required_scope(method: str, template: str) -> str:
    """The scope a /v1 call needs, from its route template (`/v1/opportunities/{id}/notes`)."""
    segments = [s for s in template.strip("/").split("/") if s and s != "v1"]
    resource = next((ROUTE_RESOURCES[s] for s in reversed(segments) if s in ROUTE_RESOURCES), None)
    if resource is None:
        resource = segments[0] if segments else ""
    return f"{resource}:{'read' if method in _READ_METHODS else 'write'}:admin"


def allows(granted: frozenset[str], needed: str) -> bool:
    """Whether `granted` covers `needed`; a write scope covers the matching read scope."""
    if needed in granted:
        return True
    resource, _, rest = needed.partition(":")
    return rest == "read:admin" and f"{resource}:write:admin" in granted


@dataclass(frozen=True, slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float


@dataclass(slots=True)
class AccessToken:
    """What a Bearer token stands for: its client, its scopes, and when it stops working."""

    client_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True, slots=True)
class _Refresh:
    client_id: str
    scopes: frozenset[str]


class OAuthError(Exception):
    """A token-endpoint error, answered as OAuth does: `{"error", "error_description"}`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class OAuthServer:
    """The authorization server of one sandbox: codes, access and refresh tokens in memory.

    `stats` is read through a callable, so a control-plane reset (which swaps the Stats
    object) is seen here too. The clock is injected so expiry is testable without waiting.
    """

    def __init__(
        self, config: SandboxConfig, stats: Callable[[], Stats], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.clients = {config.oauth_client_id: config.oauth_client_secret}
        self._stats = stats
        self.clock = clock
        self.codes: dict[str, _Code] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, _Refresh] = {}

    # ------------------------------------------------------------- /authorize

    def authorize(self, raw_query: bytes, root: str) -> Response:
        """`GET /authorize`: consent at once and redirect back with a code, or with an error.

        Without a known client or a usable `redirect_uri` there is nowhere safe to send the
        user, so those answer 400 directly instead of redirecting.
        """
        q = dict(parse_qsl(raw_query.decode("utf-8", "replace"), keep_blank_values=True))
        client_id = q.get("client_id", "")
        redirect_uri = q.get("redirect_uri", "")
        if client_id not in self.clients:
            return self._authorize_refused(f"unknown client_id {client_id!r}" if client_id else "client_id is missing")
        if not redirect_uri:
            return self._authorize_refused("redirect_uri is missing")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            return self._authorize_refused("redirect_uri must be an absolute http(s) URL without a fragment")
        state = q.get("state")
        response_type = q.get("response_type")
        audience = q.get("audience", "")
        requested = q.get("scope", "").split()
        unknown = sorted({s for s in requested if s not in SCOPES})
        error: tuple[str, str] | None = None
        if response_type != "code":
            error = ("invalid_request", f"response_type must be 'code' (got {response_type!r})")
        elif audience.rstrip("/") != f"{root}/v1":
            error = ("invalid_request", f"audience must be {root}/v1/ (got {audience!r})")
        elif not requested:
            error = ("invalid_scope", "no scope was requested")
        elif unknown:
            error = ("invalid_scope", f"unknown scope: {' '.join(unknown)}")
        if error is not None:
            self._stats().oauth_authorize_refused += 1
            return _redirect(redirect_uri, {"error": error[0], "error_description": error[1]}, state)
        code = secrets.token_urlsafe(24)
        now = self.clock()
        self._sweep(self.codes, now)
        self.codes[code] = _Code(client_id, redirect_uri, frozenset(requested), now + CODE_TTL_S)
        self._stats().oauth_authorizations += 1
        return _redirect(redirect_uri, {"code": code}, state)

    def _authorize_refused(self, message: str) -> Response:
        self._stats().oauth_authorize_refused += 1
        return Response(400, f"Authorization refused: {message}".encode(), content_type=_TEXT)

    # ----------------------------------------------------------- /oauth/token

    def token(self, body: bytes, content_type: bytes | None, authorization: bytes | None) -> Response:
        """`POST /oauth/token`: exchange a code or a refresh token; OAuth's error bodies otherwise."""
        stats = self._stats()
        try:
            form = _form(body, content_type)
            client_id = self._client(form, authorization)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise OAuthError(400, "invalid_request", "grant_type is missing")
            if grant_type == "authorization_code":
                answer = self._code_grant(form, client_id)
                stats.oauth_code_grants += 1
            elif grant_type == "refresh_token":
                answer = self._refresh_grant(form, client_id)
                stats.oauth_refresh_grants += 1
            else:
                raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        except OAuthError as err:
            stats.oauth_token_failures += 1
            headers = list(_NO_STORE)
            if err.status == 401:
                headers.append((b"www-authenticate", b'Basic realm="Lever OAuth"'))
            body_out = orjson.dumps({"error": err.error, "error_description": err.description})
            return Response(err.status, body_out, headers)
        return Response(200, orjson.dumps(answer), list(_NO_STORE))

    def _client(self, form: dict[str, str], authorization: bytes | None) -> str:
        """The authenticated client id, from HTTP Basic or from the form; 401 invalid_client otherwise."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization is not None and authorization[:6].lower() == b"basic ":
            basic = _basic(authorization[6:])
            if basic is None:
                raise OAuthError(401, "invalid_client", "the Basic authorization header is malformed")
            if client_id is not None and client_id != basic[0]:
                raise OAuthError(400, "invalid_request", "client_id in the form differs from the Basic credentials")
            client_id, secret = basic
        if not client_id:
            raise OAuthError(401, "invalid_client", "no client credentials: send client_id and client_secret")
        expected = self.clients.get(client_id)
        if expected is None or secret is None or not secrets.compare_digest(secret.encode(), expected.encode()):
            raise OAuthError(401, "invalid_client", "client authentication failed: wrong client_id or client_secret")
        return client_id

    def _code_grant(self, form: dict[str, str], client_id: str) -> dict[str, Any]:
        code = _required(form, "code")
        redirect_uri = _required(form, "redirect_uri")
        grant = self.codes.get(code)
        if grant is None or grant.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "the authorization code is unknown or was already used")
        del self.codes[code]  # single use, whatever happens next
        if grant.expires_at <= self.clock():
            raise OAuthError(400, "invalid_grant", "the authorization code has expired")
        if redirect_uri != grant.redirect_uri:
            raise OAuthError(400, "invalid_grant", "redirect_uri differs from the one sent to /authorize")
        answer = self._issue(client_id, grant.scopes)
        if OFFLINE_ACCESS in grant.scopes:
            refresh = secrets.token_urlsafe(32)
            self.refresh[refresh] = _Refresh(client_id, grant.scopes)
            answer["refresh_token"] = refresh
        return answer

    def _refresh_grant(self, form: dict[str, str], client_id: str) -> dict[str, Any]:
        grant = self.refresh.get(_required(form, "refresh_token"))
        if grant is None or grant.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "the refresh token is unknown or was revoked")
        scopes = grant.scopes
        narrowed = form.get("scope")
        if narrowed:
            asked = frozenset(narrowed.split())
            if not asked <= grant.scopes:
                extra = " ".join(sorted(asked - grant.scopes))
                raise OAuthError(400, "invalid_scope", f"scope beyond the original grant: {extra}")
            scopes = asked
        return self._issue(client_id, scopes)

    def _issue(self, client_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        ttl = self.config.access_token_ttl_s
        now = self.clock()
        self._sweep(self.access, now)
        token = secrets.token_urlsafe(32)
        self.access[token] = AccessToken(client_id, scopes, now + ttl)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": max(1, round(ttl)),
            "scope": " ".join(sorted(scopes)),
        }

    def _sweep(self, table: dict[str, Any], now: float) -> None:
        if len(table) >= _SWEEP_AT:
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]

    # -------------------------------------------------------------- /v1 calls

    def bearer(self, token: str) -> AccessToken:
        """The live access token `token` stands for; ApiError 401 saying whether it expired or is unknown."""
        grant = self.access.get(token)
        if grant is None:
            raise ApiError(401, "Invalid access token: it is unknown or malformed; authorize again")
        if grant.expires_at <= self.clock():
            raise ApiError(401, "Expired access token: refresh it with the refresh token, or authorize again")
        return grant

    # ---------------------------------------------------------- control plane

    def revoke_refresh_tokens(self) -> int:
        """Forget every refresh token (access tokens live until they expire); how many there were."""
        n = len(self.refresh)
        self.refresh.clear()
        return n

    def expire_access_tokens(self) -> int:
        """Make every live access token expired now; how many were live."""
        now = self.clock()
        live = [t for t in self.access.values() if t.expires_at > now]
        for t in live:
            t.expires_at = now
        return len(live)

    def summary(self) -> dict[str, Any]:
        """The OAuth part of GET /_sandbox/stats: the client, the TTL and the tokens held."""
        now = self.clock()
        return {
            "client_id": self.config.oauth_client_id,
            "access_token_ttl_s": self.config.access_token_ttl_s,
            "access_tokens_live": sum(1 for t in self.access.values() if t.expires_at > now),
            "refresh_tokens": len(self.refresh),
            "codes_pending": sum(1 for c in self.codes.values() if c.expires_at > now),
        }


def _redirect(uri: str, params: dict[str, str], state: str | None) -> Response:
    if state is not None:
        params = {**params, "state": state}
    parts = urlsplit(uri)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return Response(302, b"", [(b"location", location.encode()), (b"cache-control", b"no-store")], None)


def _form(body: bytes, content_type: bytes | None) -> dict[str, str]:
    if content_type is None or content_type.split(b";")[0].strip().lower() != _FORM:
        raise OAuthError(400, "invalid_request", "send the token request as application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(400, "invalid_request", "the form body is malformed") from None
    form: dict[str, str] = {}
    for k, v in pairs:
        if k in form:
            raise OAuthError(400, "invalid_request", f"parameter {k} is repeated")
        form[k] = v
    return form


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError(400, "invalid_request", f"{name} is missing")
    return value


def _basic(value: bytes) -> tuple[str, str] | None:
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    # RFC 6749 2.3.1: client credentials in Basic are form-encoded first.
    return (unquote_plus(user), unquote_plus(password)) if sep else None
