"""Credentials kept in the warehouse, encrypted with the key in LEVER_PIPELINE_SECRET_KEY.

Encryption is `cryptography`'s Fernet (AES-128-CBC with an HMAC-SHA256 tag: authenticated,
so a changed byte fails to decrypt rather than decrypting to something else) through
`MultiFernet`, which is what makes key rotation a routine job:

1. make a new key (`lever-pipeline auth new-key`) and put it first:
   `LEVER_PIPELINE_SECRET_KEY=<new>,<old>`; every process can still read the old rows;
2. `lever-pipeline auth rotate-key` re-encrypts every row with the new key;
3. drop the old key from the variable.

The key itself never reaches the warehouse, a log or an error: rows carry a short sha256
prefix of the key that encrypted them (`key_id`), enough to say which key is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.settings import Settings
from lever_pipeline.warehouse.tables.credentials import lever_credentials


class CredentialsError(RuntimeError):
    """Stored credentials cannot be used as configured; the message says what to do, in one line."""


def new_key() -> str:
    """A fresh Fernet key (32 random bytes, URL-safe base64) for LEVER_PIPELINE_SECRET_KEY."""
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    """Names a key without revealing it: the first 12 hex digits of its sha256."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class SecretBox:
    """Encrypts with the first key of LEVER_PIPELINE_SECRET_KEY, decrypts with any of them."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise CredentialsError(
                "LEVER_PIPELINE_SECRET_KEY is not set: credentials are kept encrypted with it; "
                "make one with `lever-pipeline auth new-key` and export it in every process."
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError):
            raise CredentialsError(
                "LEVER_PIPELINE_SECRET_KEY holds a value that is not a Fernet key (32 bytes, URL-safe base64); "
                "make one with `lever-pipeline auth new-key`."
            ) from None
        self.current_key_id = key_id(keys[0])
        self.key_ids = [key_id(k) for k in keys]

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        raw = settings.lever_pipeline_secret_key.get_secret_value() if settings.lever_pipeline_secret_key else ""
        return cls([k.strip() for k in raw.split(",") if k.strip()])

    def seal(self, secret: dict[str, Any]) -> str:
        return self._fernet.encrypt(orjson.dumps(secret)).decode()

    def open(self, ciphertext: str, *, sealed_by: str) -> dict[str, Any]:
        try:
            return orjson.loads(self._fernet.decrypt(ciphertext.encode()))
        except InvalidToken:
            raise CredentialsError(
                f"The stored Lever credentials were encrypted with key {sealed_by}, which is not in "
                "LEVER_PIPELINE_SECRET_KEY: add that key after the current one (then run "
                "`lever-pipeline auth rotate-key`), or log in again."
            ) from None

    def rotate(self, ciphertext: str, *, sealed_by: str) -> str:
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialsError(
                f"A stored credential was encrypted with key {sealed_by}, which is not in LEVER_PIPELINE_SECRET_KEY; "
                "put the old key after the new one and rotate again."
            ) from None


@dataclass(frozen=True)
class StoredCredential:
    """One row, decrypted: `secret` holds what was sealed, the rest is what sits beside it in clear."""

    name: str
    secret: dict[str, Any]
    issued_at: datetime | None
    expires_at: datetime | None
    scope: str | None
    key_id: str
    updated_at: datetime


def save(
    conn: Connection,
    box: SecretBox,
    name: str,
    secret: dict[str, Any],
    *,
    issued_at: datetime | None = None,
    expires_at: datetime | None = None,
    scope: str | None = None,
) -> None:
    """Write (or replace) credential `name`, sealed with the current key, in the caller's transaction."""
    values = {
        "ciphertext": box.seal(secret),
        "key_id": box.current_key_id,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "scope": scope,
        "refused_at": None,
        "refusal": None,
        "updated_at": datetime.now(UTC),
    }
    stmt = insert(lever_credentials).values(name=name, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


def load(conn: Connection, box: SecretBox, name: str) -> StoredCredential | None:
    """Credential `name`, decrypted, or None when none is stored."""
    c = lever_credentials.c
    row = conn.execute(sa.select(lever_credentials).where(c.name == name)).first()
    if row is None:
        return None
    secret = box.open(row.ciphertext, sealed_by=row.key_id)
    return StoredCredential(name, secret, row.issued_at, row.expires_at, row.scope, row.key_id, row.updated_at)


def note_refusal(engine: Engine, name: str, refusal: str) -> None:
    """Record that Lever refused credential `name` (kept until it is saved again), for `/ops` to report."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(lever_credentials)
            .where(lever_credentials.c.name == name)
            .values(refused_at=datetime.now(UTC), refusal=refusal[:300])
        )


def forget(engine: Engine, name: str) -> bool:
    """Delete credential `name`; True when there was one."""
    with engine.begin() as conn:
        return conn.execute(sa.delete(lever_credentials).where(lever_credentials.c.name == name)).rowcount > 0


def rotate_all(engine: Engine, box: SecretBox) -> tuple[int, int]:
    """Re-encrypt every stored credential with the current key; (rows re-encrypted, rows already current)."""
    rotated = current = 0
    with engine.begin() as conn:
        rows = conn.execute(sa.select(lever_credentials).with_for_update()).all()
        for row in rows:
            if row.key_id == box.current_key_id:
                current += 1
                continue
            conn.execute(
                sa.update(lever_credentials)
                .where(lever_credentials.c.name == row.name)
                .values(ciphertext=box.rotate(row.ciphertext, sealed_by=row.key_id), key_id=box.current_key_id)
            )
            rotated += 1
    return rotated, current


def described(engine: Engine) -> list[dict[str, object]]:
    """What is stored, without decrypting anything: name, key id, expiry, scopes, refusal, last change."""
    c = lever_credentials.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                c.name, c.key_id, c.issued_at, c.expires_at, c.scope, c.refused_at, c.refusal, c.updated_at
            ).order_by(c.name)
        ).all()
    return [dict(r._mapping) for r in rows]
