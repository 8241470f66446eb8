"""The write-back audit trail: one `writeback_audit` row per attempt and decision.

Rows are written inside the caller's transaction, so a state change and its record commit
together. Summaries hold ids and kinds only, never note text, answers or file bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection

from lever_pipeline.warehouse.tables.writeback import writeback_audit


class AuditedItem(Protocol):
    """What an audit row takes from an outbox item (the outbox records its own transitions here)."""

    @property
    def id(self) -> int: ...
    @property
    def draft_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def attempts(self) -> int: ...


def audit(
    conn: Connection,
    action: str,
    *,
    item: AuditedItem | None = None,
    draft_id: int | None = None,
    kind: str | None = None,
    summary: Mapping[str, Any] | None = None,
    outcome: str | None = None,
    run_id: str | None = None,
) -> None:
    """Append one audit row; `item` supplies the outbox id, draft, kind and attempt unless given."""
    conn.execute(
        sa.insert(writeback_audit).values(
            outbox_id=item.id if item else None,
            draft_id=draft_id if draft_id is not None else (item.draft_id if item else None),
            kind=kind or (item.kind if item else None),
            action=action,
            attempt=item.attempts if item else None,
            request_summary=dict(summary) if summary is not None else None,
            outcome=outcome,
            run_id=run_id,
        )
    )
