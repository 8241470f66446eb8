"""The one Lever account a warehouse mirrors: recorded by the first client, refused for any other.

A warehouse holds one account's rows. Two accounts' opportunities, users and postings in
the same tables would point at each other's missing rows and mix in every mart, so the
first Lever client opened on a warehouse records its account (`lever_account`, one row)
and every later client must be for the same one. An account is named by its API root
and the sha256 of its key, never the key. A sandbox the CLI starts listens on a new port
each time, so it is named by what makes its data, `sandbox:<seed>:<opportunities>`
(LEVER_SANDBOX_ACCOUNT), as long as it is on this machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.warehouse.tables.account import lever_account

SANDBOX_PREFIX = "sandbox:"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: What the mismatch message tells the user to run; `cli/` registers the command under this name.
RESET_COMMAND = "lever-pipeline reset --yes"


def key_fingerprint(key: str) -> str:
    """The sha256 of an API key, hex: names the key in the warehouse without revealing it."""
    return hashlib.sha256(key.encode()).hexdigest()


def sandbox_account_name(seed: int, opportunities: int) -> str:
    """What LEVER_SANDBOX_ACCOUNT holds for a sandbox: the seed and size that generate its data."""
    return f"{SANDBOX_PREFIX}{seed}:{opportunities}"


@dataclass(frozen=True)
class LeverAccount:
    """A Lever account as a warehouse records it: where its API is, and which key reads it."""

    base_url: str
    key_fingerprint: str

    @classmethod
    def of(cls, root: str, key: str, sandbox_name: str | None = None) -> LeverAccount:
        """The account behind API root `root` and `key`; a local sandbox goes by `sandbox_name` when given.

        The sandbox name counts only for a loopback root, so a stray LEVER_SANDBOX_ACCOUNT
        can never make a real account look like a sandbox.
        """
        parts = urlsplit(root.strip())
        where = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
        if sandbox_name and sandbox_name.startswith(SANDBOX_PREFIX) and parts.hostname in LOOPBACK_HOSTS:
            where = sandbox_name
        return cls(where, key_fingerprint(key))

    @property
    def label(self) -> str:
        """How messages name the account: the host (or the sandbox's seed and size) and a short fingerprint."""
        short = f"key {self.key_fingerprint[:8]}"
        if self.base_url.startswith(SANDBOX_PREFIX):
            seed, _, size = self.base_url.removeprefix(SANDBOX_PREFIX).partition(":")
            size_text = f"{int(size):,} opportunities" if size.isdigit() else size
            return f"sandbox seed {seed} with {size_text} ({short})"
        return f"{urlsplit(self.base_url).netloc or self.base_url} ({short})"


class AccountMismatch(RuntimeError):
    """The warehouse mirrors another Lever account; the message is one line naming both and the way out."""

    def __init__(self, recorded: LeverAccount, requested: LeverAccount) -> None:
        self.recorded = recorded
        self.requested = requested
        super().__init__(
            f"This warehouse mirrors the Lever account {recorded.label}, not {requested.label}; "
            "their rows would mix. For the other account use a fresh warehouse (another "
            f"LEVER_PIPELINE_HOME, or another WAREHOUSE_URL), or run `{RESET_COMMAND}` to drop "
            "this one's Lever data and forget it."
        )


def recorded_account(conn: Connection) -> LeverAccount | None:
    """The account the warehouse mirrors, or None before the first client opened on it."""
    row = conn.execute(select(lever_account.c.base_url, lever_account.c.key_fingerprint)).first()
    return LeverAccount(row.base_url, row.key_fingerprint) if row else None


def ensure_account(engine: Engine, account: LeverAccount) -> None:
    """Record `account` if the warehouse has none yet; raise `AccountMismatch` if it mirrors another.

    Safe under concurrency: of two first clients for different accounts, one records and
    the other is refused.
    """
    record = (
        insert(lever_account)
        .values(base_url=account.base_url, key_fingerprint=account.key_fingerprint, label=account.label)
        .on_conflict_do_nothing(index_elements=[lever_account.c.singleton])
    )
    with engine.begin() as conn:
        conn.execute(record)
        recorded = recorded_account(conn)
    if recorded != account:
        raise AccountMismatch(recorded or account, account)
