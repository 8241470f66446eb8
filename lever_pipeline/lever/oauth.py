"""Lever's OAuth partner flow: the authorize URL, the token endpoint, and Bearer requests.

The authorization code is exchanged, and access tokens refreshed, at `<auth>/oauth/token`
(form-encoded, RFC 6749); Lever's access tokens last an hour and a refresh token comes only
with the `offline_access` scope. Where tokens are kept and who may refresh them is not this
module's business: `BearerAuth` asks a `TokenSource` for a token before each request, and
once more, for a fresh one, when Lever answers 401 to a token that looked valid.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

import httpx

from lever_pipeline.lever.errors import LeverError

REFRESH_MARGIN = timedelta(seconds=60)
"""A token is refreshed this long before it expires (or a fifth of its life, if shorter)."""


class OAuthError(LeverError):
    """The token endpoint refused a code, a refresh token or the client's credentials."""

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None) -> None:
        super().__init__(message, method="POST", path="/oauth/token", status=status, code=error)
        self.error = error


class RefreshTokenRevoked(OAuthError):
    """Lever no longer accepts the stored refresh token: someone has to log in again."""


@dataclass(frozen=True)
class TokenSet:
    """One answer of the token endpoint. `refresh_token` is None when none was issued."""

    access_token: str
    issued_at: datetime
    expires_at: datetime
    scope: str
    refresh_token: str | None = None

    def refresh_due(self, now: datetime | None = None) -> bool:
        """True once the access token is within its refresh margin of expiring (or past it)."""
        margin = min(REFRESH_MARGIN, (self.expires_at - self.issued_at) / 5)
        return (now or datetime.now(UTC)) >= self.expires_at - margin


def authorize_url(auth_url: str, *, client_id: str, redirect_uri: str, audience: str, scopes: str, state: str) -> str:
    """Where the person granting access goes: Lever's consent page for these scopes."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
        "audience": audience,
        "scope": scopes,
    }
    return f"{auth_url.rstrip('/')}/authorize?{urlencode(query)}"


def exchange_code(
    http: httpx.Client, auth_url: str, *, client_id: str, client_secret: str, code: str, redirect_uri: str
) -> TokenSet:
    """Trade the authorization code from the callback for an access token (and a refresh token)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
    }
    return _token_call(http, auth_url, form, previous_refresh=None)


def refresh(http: httpx.Client, auth_url: str, *, client_id: str, client_secret: str, refresh_token: str) -> TokenSet:
    """A new access token from the refresh token; Lever keeps the refresh token unless it sends another."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return _token_call(http, auth_url, form, previous_refresh=refresh_token)


def _token_call(
    http: httpx.Client, auth_url: str, form: Mapping[str, str], *, previous_refresh: str | None
) -> TokenSet:
    url = f"{auth_url.rstrip('/')}/oauth/token"
    grant = form["grant_type"]
    try:
        response = http.post(url, data=form, headers={"Accept": "application/json"})
    except httpx.TransportError as err:
        raise OAuthError(f"No answer from Lever's token endpoint ({type(err).__name__}); try again.") from None
    body = _json(response)
    if response.status_code != 200:
        error = str(body.get("error") or f"HTTP {response.status_code}")
        said = str(body.get("error_description") or "")[:200]
        detail = f": {said}" if said else ""
        if grant == "refresh_token" and error == "invalid_grant":
            raise RefreshTokenRevoked(
                f"Lever no longer accepts the stored refresh token (invalid_grant{detail}); "
                "run `lever-pipeline auth login` to grant access again.",
                error=error,
                status=response.status_code,
            )
        if error == "invalid_client":
            raise OAuthError(
                f"Lever refused the OAuth client (invalid_client{detail}); check LEVER_OAUTH_CLIENT_ID and "
                "LEVER_OAUTH_CLIENT_SECRET.",
                error=error,
                status=response.status_code,
            )
        raise OAuthError(f"Lever's token endpoint refused the {grant} grant ({error}{detail}).", error=error)
    try:
        access, lifetime = str(body["access_token"]), int(body["expires_in"])
    except (KeyError, TypeError, ValueError):
        raise OAuthError("Lever's token endpoint answered without an access token and its lifetime.") from None
    now = datetime.now(UTC)
    return TokenSet(
        access_token=access,
        issued_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        scope=str(body.get("scope") or ""),
        refresh_token=body.get("refresh_token") or previous_refresh,
    )


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TokenSource(Protocol):
    """Hands out a valid access token; `stale` is one Lever just refused, never to be handed out again."""

    async def access_token(self, *, stale: str | None = None) -> str: ...


class BearerAuth(httpx.Auth):
    """httpx auth sending `Authorization: Bearer`, asking once more for a token after a 401."""

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            fresh = await self.tokens.access_token(stale=token)
            if fresh != token:
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request
