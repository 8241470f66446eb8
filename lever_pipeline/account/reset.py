"""Forgetting the account a warehouse mirrors, so the next sync can record another.

The reset empties every table of the warehouse except two: the shared rate-limit
buckets (keyed by a hash of each key, they hold no account data) and the write-back
audit (a record of what was actually written into Lever, which stays true after the
mirror is gone). Everything else came from the old account or was addressed to it:
mirrored `lever_*` rows, sync state, webhook events, and the feedback drafts and outbox
items, which name its opportunities and users and must never be sent to another account.
A table added later is emptied too unless it is listed here as kept.

Identity columns continue where they were: the webhook sensor's cursor is an event id,
and restarting the sequence would hide the next events below it. The dbt marts are
rebuilt by the next run (they are derived, not mirrored).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from lever_pipeline.account.guard import LeverAccount, recorded_account
from lever_pipeline.warehouse.tables import metadata

KEPT_TABLES = ("rate_limit_buckets", "writeback_audit")


class WarehouseBusy(RuntimeError):
    """A running process holds the tables the reset must empty; the message says what to stop."""


@dataclass(frozen=True)
class ResetSummary:
    """What a reset removed: the account it forgot (None if none was recorded) and rows per table."""

    account: LeverAccount | None
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def reset_account(engine: Engine, *, lock_timeout_s: float = 10.0) -> ResetSummary:
    """Empty every account table (all but `KEPT_TABLES`) and forget the account, in one transaction.

    Raises WarehouseBusy when a sync, the service or `dev` keeps a table locked for longer
    than `lock_timeout_s`.
    """
    tables = [t for t in metadata.sorted_tables if t.name not in KEPT_TABLES]
    try:
        with engine.begin() as conn:
            conn.execute(
                text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{int(lock_timeout_s * 1000)}ms"}
            )
            account = recorded_account(conn)
            rows = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}
            # Names come from our own table definitions, never from input.
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CONTINUE IDENTITY"))
    except OperationalError as err:
        if "lock timeout" not in str(err.orig):
            raise
        raise WarehouseBusy(
            f"the warehouse's tables stayed locked for {lock_timeout_s:g} s: stop `lever-pipeline dev`, `serve` "
            "and running syncs on it, then reset again"
        ) from err
    return ResetSummary(account, rows)
