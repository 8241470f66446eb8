"""Bulk upserts: COPY a batch into a session-local staging table, then merge it.

The merge is one `INSERT … SELECT … ON CONFLICT DO UPDATE` whose `WHERE` leaves a row
alone when its `raw` is unchanged (so unchanged rows are not rewritten, and their
`synced_at` says when they last *changed*) and never lets an older `updated_at`
overwrite a newer one. COPY is several times faster than row-by-row inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import ARRAY, Connection, Table
from sqlalchemy.dialects.postgresql import JSONB, insert

Row = dict[str, Any]
"""One table row: column name to value, `raw` holding Lever's object."""


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _staging_name(table: Table) -> str:
    return f"_staging_{table.name}"


def _dump(value: object) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _text_array(values: Sequence[str | None] | None) -> str | None:
    """A one-dimensional `text[]` literal. psycopg's generic array dumper is pure Python and
    was a fifth of a sync's client CPU (py-spy); quoting every element is all COPY needs."""
    if values is None:
        return None
    quoted = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _copy_dumper(column_type: object) -> Callable[[Any], str | None] | None:
    """How a column's value is written in COPY text: JSON and arrays by us, the rest by psycopg."""
    if isinstance(column_type, JSONB):
        return _dump
    if isinstance(column_type, ARRAY):
        return _text_array
    return None


def upsert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> UpsertCounts:
    """Insert or update `rows` (dicts keyed by column name) into `table` by its primary key.

    Runs inside the caller's transaction. Rows repeated within the batch keep the last
    one with the newest `updated_at`.
    """
    if not rows:
        return UpsertCounts()
    columns = [c for c in rows[0] if c in table.c]
    staging = ensure_staging(conn, table)
    plan = [(c, _copy_dumper(table.c[c].type)) for c in columns]
    with conn.connection.driver_connection.cursor() as cur:
        copy_stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(staging), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cur.copy(copy_stmt) as copy:
            for row in rows:
                copy.write_row([row[c] if dump is None else dump(row[c]) for c, dump in plan])
    return merge_staging(conn, table, columns)


def ensure_staging(conn: Connection, table: Table) -> str:
    """Create (once per session) the empty staging table of `table`; return its name.

    Its rows go at the end of each transaction, and `merge_staging` empties it, so the
    next batch in the same transaction starts empty too.
    """
    staging = _staging_name(table)
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                sql.Identifier(staging), sql.Identifier(table.name)
            )
        )
    return staging


def merge_staging(conn: Connection, table: Table, columns: Sequence[str]) -> UpsertCounts:
    """Merge what `table`'s staging table holds (its `columns` filled) into `table`, then empty it.

    Rows repeated in staging keep the one with the newest `updated_at`; an unchanged `raw`
    leaves the stored row alone, an older `updated_at` never overwrites a newer one.
    """
    keys = [c.name for c in table.primary_key.columns]
    staging = _staging_name(table)
    driver = conn.connection.driver_connection
    stage = sa.table(staging, *[sa.column(c) for c in columns])
    order = [stage.c[k] for k in keys]
    if "updated_at" in columns:
        order.append(stage.c.updated_at.desc().nulls_last())
    source = sa.select(*[stage.c[c] for c in columns]).distinct(*[stage.c[k] for k in keys]).order_by(*order)
    stmt = insert(table).from_select(columns, source)
    changed = table.c.raw.is_distinct_from(stmt.excluded.raw) if "raw" in columns else sa.true()
    if "deleted_at" in table.c:
        changed = sa.or_(changed, table.c.deleted_at.is_not(None))
    if "updated_at" in columns:
        newer = sa.or_(
            table.c.updated_at.is_(None),
            stmt.excluded.updated_at.is_(None),
            stmt.excluded.updated_at >= table.c.updated_at,
        )
        changed = sa.and_(changed, newer)
    assignments = {c: stmt.excluded[c] for c in columns if c not in keys}
    if "synced_at" in table.c:
        assignments["synced_at"] = sa.func.now()
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=assignments, where=changed).returning(
        sa.literal_column("(xmax = 0)").label("inserted")
    )
    flags = conn.execute(stmt).scalars().all()
    distinct = conn.execute(sa.select(sa.func.count(sa.distinct(sa.tuple_(*[stage.c[k] for k in keys]))))).scalar_one()
    with driver.cursor() as cur:  # the next batch in this transaction starts empty
        cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(staging)))
    inserted = sum(1 for f in flags if f)
    return UpsertCounts(inserted=inserted, updated=len(flags) - inserted, unchanged=distinct - len(flags))
