"""Data-quality queries behind the asset checks; each returns numbers and a few ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine, Table

from lever_pipeline.warehouse.tables import lever_opportunities, lever_stages, lever_users, sync_state


@dataclass(frozen=True)
class Finding:
    """How many rows break a rule, and up to five of their ids."""

    count: int
    examples: list[str]

    @property
    def passed(self) -> bool:
        return self.count == 0


def _finding(engine: Engine, ids: sa.Select) -> Finding:
    sub = ids.subquery()
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(sub)).scalar_one()
        examples = [str(r) for r in conn.execute(sa.select(sub.c[0]).limit(5)).scalars()]
    return Finding(count, examples)


def duplicate_or_null_ids(engine: Engine, table: Table) -> Finding:
    """Ids that are null or appear twice (the primary key forbids both; this proves it held)."""
    dupes = sa.select(table.c.id).group_by(table.c.id).having(sa.func.count() > 1)
    nulls = sa.select(sa.literal("<null>").label("id")).where(table.c.id.is_(None))
    return _finding(engine, sa.union_all(dupes, nulls).subquery().select())


def opportunities_with_unknown_stage(engine: Engine) -> Finding:
    o = lever_opportunities
    return _finding(
        engine,
        sa.select(o.c.id).where(
            o.c.deleted_at.is_(None),
            o.c.stage_id.is_not(None),
            ~sa.exists().where(lever_stages.c.id == o.c.stage_id),
        ),
    )


def opportunities_with_unknown_owner(engine: Engine) -> Finding:
    o = lever_opportunities
    return _finding(
        engine,
        sa.select(o.c.id).where(
            o.c.deleted_at.is_(None),
            o.c.owner_id.is_not(None),
            ~sa.exists().where(lever_users.c.id == o.c.owner_id),
        ),
    )


def opportunities_with_unknown_posting(engine: Engine) -> Finding:
    ids = sa.text(
        "SELECT DISTINCT o.id FROM lever_opportunities o CROSS JOIN LATERAL unnest(o.posting_ids) AS p(posting_id)"
        " WHERE o.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM lever_postings lp WHERE lp.id = p.posting_id)"
    ).columns(sa.column("id"))
    return _finding(engine, sa.select(ids.subquery().c.id))


def last_success(engine: Engine, stream: str) -> datetime | None:
    """When `stream` last synced successfully (None: never)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sync_state.c.last_success_at).where(sync_state.c.stream == stream)).scalar()


def preview(engine: Engine, table: Table, columns: list[str], order_by: str, limit: int = 10) -> list[dict]:
    """Up to `limit` rows of non-personal columns (ids, stages, timestamps) for a Markdown preview."""
    with engine.connect() as conn:
        result = conn.execute(
            sa.select(*[table.c[c] for c in columns]).order_by(table.c[order_by].desc().nulls_last()).limit(limit)
        )
        return [dict(r._mapping) for r in result]
