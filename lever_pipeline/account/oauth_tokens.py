"""OAuth tokens of this deployment: kept encrypted in the warehouse, refreshed by one process at a time.

Every process (runs, the service, the CLI) reads the same `oauth` credential. When the access
token is within its refresh margin of expiring, or Lever refused it, the process takes a
transaction-scoped advisory lock, reads the row again, and refreshes only if nobody did
while it waited: two processes needing a token at once make one refresh call, and the
other uses the new token. A refresh token Lever no longer accepts ends the work with one
line telling the operator to log in again.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from lever_pipeline.account import credentials
from lever_pipeline.account.credentials import CredentialsError, SecretBox
from lever_pipeline.lever import oauth
from lever_pipeline.lever.oauth import TokenSet
from lever_pipeline.settings import Settings

OAUTH = "oauth"
REFRESH_LOCK = 0x4C4556455231  # "LEVER1": the advisory lock every process refreshes under


def save_tokens(conn: Connection, box: SecretBox, tokens: TokenSet) -> None:
    """Store a token set (after login or a refresh), sealed, in the caller's transaction."""
    credentials.save(
        conn,
        box,
        OAUTH,
        {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token},
        issued_at=tokens.issued_at,
        expires_at=tokens.expires_at,
        scope=tokens.scope,
    )


def load_tokens(conn: Connection, box: SecretBox) -> TokenSet | None:
    stored = credentials.load(conn, box, OAUTH)
    if stored is None or stored.expires_at is None or stored.issued_at is None:
        return None
    return TokenSet(
        access_token=str(stored.secret["access_token"]),
        issued_at=stored.issued_at,
        expires_at=stored.expires_at,
        scope=stored.scope or "",
        refresh_token=stored.secret.get("refresh_token"),
    )


class WarehouseTokens:
    """A `TokenSource` over the warehouse's `oauth` credential; one per client, cheap to build."""

    def __init__(self, settings: Settings, engine: Engine, *, http: httpx.Client | None = None) -> None:
        if not settings.lever_oauth_client_id or settings.lever_oauth_client_secret is None:
            raise CredentialsError(
                "OAuth needs LEVER_OAUTH_CLIENT_ID and LEVER_OAUTH_CLIENT_SECRET (your Lever partner app's)."
            )
        self.settings = settings
        self.engine = engine
        self.box = SecretBox.from_settings(settings)
        self._http = http
        self._cached: TokenSet | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0  # refresh calls this source made (tests and metadata read it)

    async def access_token(self, *, stale: str | None = None) -> str:
        cached = self._cached
        if cached is not None and cached.access_token != stale and not cached.refresh_due():
            return cached.access_token
        async with self._lock:  # one thread per process goes to the warehouse at a time
            cached = self._cached
            if cached is None or cached.access_token == stale or cached.refresh_due():
                self._cached = await asyncio.to_thread(self.current, stale)
            return self._cached.access_token

    def current(self, stale: str | None = None) -> TokenSet:
        """The stored token set, refreshed first when due or refused, under the warehouse-wide lock."""
        with self.engine.connect() as conn:
            tokens = self._stored(conn)
        if tokens.access_token != stale and not tokens.refresh_due():
            return tokens
        with self.engine.begin() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(REFRESH_LOCK)))
            tokens = self._stored(conn)  # another process may have refreshed while we waited
            if tokens.access_token != stale and not tokens.refresh_due():
                return tokens
            if not tokens.refresh_token:
                raise CredentialsError(
                    "The stored OAuth grant has no refresh token (the offline_access scope was not granted); "
                    "run `lever-pipeline auth login` again."
                )
            try:
                fresh = self._refresh(tokens.refresh_token)
            except oauth.RefreshTokenRevoked as err:
                credentials.note_refusal(self.engine, OAUTH, err.error or "invalid_grant")
                raise
            save_tokens(conn, self.box, fresh)
            self.refreshes += 1
            return fresh

    def _stored(self, conn: Connection) -> TokenSet:
        tokens = load_tokens(conn, self.box)
        if tokens is None:
            raise CredentialsError("No OAuth tokens are stored for Lever: run `lever-pipeline auth login` first.")
        return tokens

    def _refresh(self, refresh_token: str) -> TokenSet:
        settings = self.settings
        secret = settings.lever_oauth_client_secret
        assert secret is not None and settings.lever_oauth_client_id  # checked in __init__
        with nullcontext(self._http) if self._http is not None else httpx.Client(timeout=30.0) as http:
            return oauth.refresh(
                http,
                settings.oauth_auth_url,
                client_id=settings.lever_oauth_client_id,
                client_secret=secret.get_secret_value(),
                refresh_token=refresh_token,
            )


def grant_summary(engine: Engine) -> dict[str, object] | None:
    """The stored grant as `/ops` shows it: expiry, scopes, a refusal; nothing secret. None: no grant stored."""
    for row in credentials.described(engine):
        if row["name"] == OAUTH:
            expires = row["expires_at"]
            return {
                "expiresAt": expires.isoformat() if isinstance(expires, datetime) else None,
                "expired": isinstance(expires, datetime) and expires <= datetime.now(UTC),
                "scope": row["scope"],
                "keyId": row["key_id"],
                "refusedAt": row["refused_at"].isoformat() if isinstance(row["refused_at"], datetime) else None,
                "refusal": row["refusal"],
                "updatedAt": row["updated_at"].isoformat() if isinstance(row["updated_at"], datetime) else None,
            }
    return None
