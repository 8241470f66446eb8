"""The warehouse side of the per-opportunity fan-out: which opportunities to fetch, and writing what came back.

Which: those whose stamp, greatest(`updatedAt`, `lastInteractionAt`) as stored in
`lever_opportunities`, differs from the stamp `child_sync_state` recorded for the kind
when their children were last fetched (a full refresh takes every live one). For a kind
with a `needs_request` rule the targets split in two: those to ask Lever, and those
Lever's data says have none (written as empty, no request). They are counted up front
(progress: done / total) and read a page at a time by keyset, so memory does not grow with
the account.

Writing a batch replaces each opportunity's children: rows Lever still returns are
upserted, rows it no longer returns are deleted, downloaded files are recorded on their
rows, and the ledger takes the stamps, all in one transaction, so a run cut short resumes
where it stopped. The same transaction notes the users and postings the rows name that
the warehouse lacks (`references`), for the fan-out to fetch by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.sync.per_opportunity_kinds import ChildKind
from lever_pipeline.sync.references import ReferenceResolver
from lever_pipeline.sync.state import record_success
from lever_pipeline.sync.stats import SyncStats, table_rows
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.feedback import child_sync_state
from lever_pipeline.warehouse.upsert import Row, upsert_rows

Target = tuple[str, datetime | None]
"""An opportunity id and its stamp."""


@dataclass
class Fetched:
    """One opportunity's children as Lever returned them."""

    opportunity_id: str
    stamp: datetime | None
    objects: list[dict[str, Any]] | None  # None: the opportunity is gone (404)
    downloads: dict[str, tuple[str, str]] = field(default_factory=dict)  # object id -> (sha256, path)


def _stamp() -> sa.ColumnElement:
    o = lever_opportunities
    return sa.func.greatest(o.c.updated_at, o.c.last_interaction_at)


TARGET_PAGE = 10_000
"""Targets read per query: memory holds one page of ids and stamps, never the account's."""


@dataclass(frozen=True)
class TargetPage:
    """One page of targets, in order: those to ask Lever, and those known to have none."""

    ask: list[Target]
    known_empty: list[Target]


@dataclass(frozen=True)
class Targets:
    """The opportunities one kind's sync refreshes: open ones first, then archived, each newest first.

    Useful data first: on a first sync of a big account (days at Lever's 10/s) the live
    pipeline is complete within hours while the archived history fills in behind it.
    The totals are counted up front (for progress: done / total); the targets themselves
    are read page by page (`pages`), so a million opportunities never sit in memory.
    """

    engine: Engine
    kind: ChildKind
    full: bool
    ask_total: int  # to fetch from Lever (or derive from the stored opportunity)
    known_empty_total: int  # Lever's data says they have none: written empty, no request
    live: int  # live opportunities in the warehouse
    page_size: int = TARGET_PAGE

    def pages(self) -> Iterator[TargetPage]:
        """The targets in order, `page_size` at a time (keyset paging, one short query per page).

        Each page is read when asked for, so the ledger rows written meanwhile count: an
        incremental run never returns an opportunity a batch of this run already stored.
        An opportunity whose stamp moves during the run may move past the page being read;
        its stamp then differs from the ledger's, so the next run takes it.
        """
        after: tuple[bool, datetime | None, str] | None = None
        while True:
            rows = _target_page(self.engine, self.kind, full=self.full, after=after, size=self.page_size)
            if not rows:
                return
            page = TargetPage([], [])
            for r in rows:
                (page.ask if r.ask else page.known_empty).append((r.id, r.stamp))
            yield page
            if len(rows) < self.page_size:
                return
            last = rows[-1]
            after = (last.is_archived, last.stamp, last.id)


def _pending(kind: ChildKind, *, full: bool) -> tuple[sa.FromClause, list[sa.ColumnElement]]:
    """The live opportunities joined to their `kind` ledger row, and the filter choosing the targets."""
    o, s = lever_opportunities, child_sync_state
    joined = o.outerjoin(s, sa.and_(s.c.opportunity_id == o.c.id, s.c.kind == kind.name))
    where = [o.c.deleted_at.is_(None)]
    if not full:
        where.append(sa.or_(s.c.opportunity_id.is_(None), s.c.opportunity_stamp.is_distinct_from(_stamp())))
    return joined, where


def _asks(kind: ChildKind) -> sa.ColumnElement:
    return kind.needs_request(_stamp()) if kind.needs_request is not None else sa.true()


def select_targets(engine: Engine, kind: ChildKind, *, full: bool, page_size: int = TARGET_PAGE) -> Targets:
    """How many live opportunities need their `kind` children refreshed (read them with `Targets.pages`)."""
    o = lever_opportunities
    joined, where = _pending(kind, full=full)
    ask = _asks(kind)
    counts = (
        sa.select(
            sa.func.count().filter(ask),
            sa.func.count().filter(sa.not_(ask)),
        )
        .select_from(joined)
        .where(*where)
    )
    with engine.connect() as conn:
        ask_total, empty_total = conn.execute(counts).one()
        live = conn.execute(sa.select(sa.func.count()).where(o.c.deleted_at.is_(None))).scalar_one()
    return Targets(engine, kind, full, ask_total, empty_total, live, page_size)


def _target_page(
    engine: Engine, kind: ChildKind, *, full: bool, after: tuple[bool, datetime | None, str] | None, size: int
) -> list[sa.Row]:
    """The next `size` targets after the key `after` (is_archived, stamp, id) in the fan-out's order.

    The order: open before archived, newest stamp first (no stamp last), then id. Read as
    keys, "after" is: a later archived flag, or the same flag and an older stamp (or none,
    when the last had one), or the same stamp and a greater id.
    """
    o = lever_opportunities
    joined, where = _pending(kind, full=full)
    stamp = _stamp()
    if after is not None:
        archived, last_stamp, last_id = after
        if last_stamp is None:
            same_flag_after = sa.and_(stamp.is_(None), o.c.id > last_id)
        else:
            same_flag_after = sa.or_(
                stamp < last_stamp, stamp.is_(None), sa.and_(stamp == last_stamp, o.c.id > last_id)
            )
        later_in_flag = sa.and_(o.c.is_archived.is_(archived), same_flag_after)
        # Open ones come first: after an open one, every archived one still follows.
        where.append(later_in_flag if archived else sa.or_(later_in_flag, o.c.is_archived.is_(True)))
    query = (
        sa.select(o.c.id, o.c.is_archived, stamp.label("stamp"), _asks(kind).label("ask"))
        .select_from(joined)
        .where(*where)
        .order_by(o.c.is_archived, stamp.desc().nulls_last(), o.c.id)
        .limit(size)
    )
    with engine.connect() as conn:
        return list(conn.execute(query))


def stored_children(
    engine: Engine, kind: ChildKind, opportunity_ids: list[str], *, live_only: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """The `kind` children each opportunity's stored response holds (`kind.stored`), by opportunity id.

    `live_only` leaves out opportunities marked deleted.
    """
    if kind.stored is None:
        raise ValueError(f"{kind.name} is read from Lever, not from the stored opportunities")
    o = lever_opportunities
    query = sa.select(o.c.id, o.c.raw).where(o.c.id.in_(opportunity_ids))
    if live_only:
        query = query.where(o.c.deleted_at.is_(None))
    with engine.connect() as conn:
        rows = conn.execute(query)
        return {r.id: [dict(c) for c in kind.stored(r.raw or {})] for r in rows}


def stamps_for(engine: Engine, opportunity_ids: Iterable[str]) -> list[Target]:
    """The given opportunities with their stamps; ids not in the warehouse get a None stamp."""
    ids = list(dict.fromkeys(opportunity_ids))
    o = lever_opportunities
    with engine.connect() as conn:
        known = dict(conn.execute(sa.select(o.c.id, _stamp()).where(o.c.id.in_(ids))).tuples().all())
    return [(i, known.get(i)) for i in ids]


def already_downloaded(engine: Engine, table: Table, object_ids: list[str]) -> set[str]:
    """Which of these objects have their file stored already."""
    if not object_ids:
        return set()
    query = sa.select(table.c.id).where(table.c.id.in_(object_ids), table.c.local_path.is_not(None))
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def write_batch(
    engine: Engine, kind: ChildKind, batch: list[Fetched], stats: SyncStats, refs: ReferenceResolver | None = None
) -> None:
    """Replace the children of every opportunity in `batch` and record their stamps, in one transaction.

    `refs`: also note the users and postings the rows name that the warehouse lacks.
    """
    per_table = _rows_per_table(kind, batch)
    if kind.field_values is not None and stats.field_types is not None:
        for row in per_table[kind.field_values.name]:
            stats.field_types.count(row["type"], known=row["known_type"], parsed=row["parse_error"] is None)
    opportunity_ids = [f.opportunity_id for f in batch]
    with engine.begin() as conn:
        for table in kind.tables:
            rows = per_table[table.name]
            counts = stats.tables[table.name]
            counts.add(upsert_rows(conn, table, rows))
            counts.deleted += delete_missing(conn, table, opportunity_ids, rows)
            if refs is not None:
                refs.check(conn, table, rows)
        _record_downloads(conn, kind.tables[0], batch)
        _record_ledger(conn, kind.name, batch)


def _rows_per_table(kind: ChildKind, batch: list[Fetched]) -> dict[str, list[Row]]:
    per_table: dict[str, list[Row]] = {t.name: [] for t in kind.tables}
    for f in batch:
        for table, rows in zip(kind.tables, kind.to_rows(f.opportunity_id, f.objects or []), strict=True):
            per_table[table.name].extend(rows)
    return per_table


def delete_missing(
    conn: Connection, table: Table, parent_ids: list[str], rows: list[Row], parent: str = "opportunity_id"
) -> int:
    """Delete `table` rows of these parents (by column `parent`) whose key is not among `rows`; return how many."""
    keys = [c.name for c in table.primary_key.columns]
    arrays = [[str(r[k]) for r in rows] for k in keys]
    alias = sql.SQL(", ").join(sql.Identifier(k) for k in keys)
    match = sql.SQL(" AND ").join(sql.SQL("s.{k} = t.{k}").format(k=sql.Identifier(k)) for k in keys)
    stmt = sql.SQL(
        "DELETE FROM {t} AS t WHERE t.{parent} = ANY(%s::text[]) AND NOT EXISTS "
        "(SELECT 1 FROM unnest({arrays}) AS s({alias}) WHERE {match})"
    ).format(
        t=sql.Identifier(table.name),
        parent=sql.Identifier(parent),
        arrays=sql.SQL(", ").join(sql.SQL("%s::text[]") for _ in keys),
        alias=alias,
        match=match,
    )
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(stmt, [parent_ids, *arrays])
        return cur.rowcount


def _record_downloads(conn: Connection, table: Table, batch: list[Fetched]) -> None:
    for f in batch:
        for object_id, (digest, path) in f.downloads.items():
            conn.execute(
                sa.update(table)
                .where(table.c.id == object_id)
                .values(content_sha256=digest, local_path=path, downloaded_at=sa.func.now())
            )


def _record_ledger(conn: Connection, kind: str, batch: list[Fetched]) -> None:
    """Remember the stamp each opportunity had when its `kind` children were fetched."""
    ledger = [
        {
            "opportunity_id": f.opportunity_id,
            "kind": kind,
            "opportunity_stamp": f.stamp,
            "items": len(f.objects or []),
            "synced_at": sa.func.now(),
        }
        for f in batch
    ]
    stmt = insert(child_sync_state).values(ledger)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["opportunity_id", "kind"],
            set_={
                "opportunity_stamp": stmt.excluded.opportunity_stamp,
                "items": stmt.excluded["items"],
                "synced_at": sa.func.now(),
            },
        )
    )


def record_outcome(engine: Engine, kind: ChildKind, stats: SyncStats, *, stream: bool) -> None:
    """Count each table's rows; for a stream sync (not a targeted refresh) also record it in `sync_state`."""
    with engine.begin() as conn:
        if stream:
            record_success(
                conn, kind.name, high_water_mark=stats.high_water_mark, full=stats.full, stats=stats.as_dict()
            )
        stats.table_rows = table_rows(conn, kind.tables)
