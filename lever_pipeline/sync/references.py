"""References to users and postings: find the ones the warehouse lacks and fetch them by id.

Opportunities name their owner, sourcer, followers and postings; postings their owner,
creator, hiring manager and followers; interviews their interviewers, creator and
postings; feedback forms, notes and offers their author; requisitions their owner, hiring
manager, creator and postings; panels, referrals and profile forms their users.
(Applications are derived from stored opportunities, whose references are already
resolved.) The users stream is one full list read once a day, so a user added in Lever
since then (a new interviewer) would leave a dangling id until the next day, and a posting
the list does not return would stay dangling for good. So every sync checks what it
writes: per batch, one query finds which of the ids its rows name the warehouse does not
have (each id is looked up once per run), and only those are fetched by id (`GET
/postings/:id`, then `GET /users/:id`, users named by fetched postings included) and
upserted in the same run. An id Lever answers 404 for (or 403: a confidential posting the
key may not read) is logged, id only, counted and left.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, Table

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.lever.postings import get_posting
from lever_pipeline.lever.users import get_user
from lever_pipeline.sync.rows import posting_row, user_row
from lever_pipeline.sync.stats import References
from lever_pipeline.warehouse.tables import lever_postings, lever_users
from lever_pipeline.warehouse.upsert import Row, upsert_rows

logger = logging.getLogger(__name__)

Target = Literal["postings", "users"]
TARGETS: tuple[Target, ...] = ("postings", "users")  # postings first: a fetched posting names users

_LOGGED_IDS = 20  # a log line names at most this many ids


def _column(name: str) -> Callable[[Row], object]:
    return lambda row: row.get(name)


def _followers(row: Row) -> object:
    # Only in `raw`: ids, or objects when a read expanded them.
    raw = row.get("raw")
    return raw.get("followers") if isinstance(raw, Mapping) else None


NAMED: dict[str, tuple[tuple[Target, Callable[[Row], object]], ...]] = {
    "lever_opportunities": (
        ("users", _column("owner_id")),
        ("users", _column("sourced_by_id")),
        ("users", _followers),
        ("postings", _column("posting_ids")),
    ),
    "lever_postings": (
        ("users", _column("owner_id")),
        ("users", _column("hiring_manager_id")),
        ("users", _column("creator_id")),
        ("users", _followers),
    ),
    "lever_interviews": (("users", _column("user_id")), ("postings", _column("posting_ids"))),
    "interview_interviewers": (("users", _column("user_id")),),
    "lever_feedback": (("users", _column("user_id")),),
    "lever_notes": (("users", _column("user_id")),),
    "lever_offers": (("users", _column("creator_id")),),
    "lever_requisitions": (
        ("users", _column("owner_id")),
        ("users", _column("hiring_manager_id")),
        ("users", _column("creator_id")),
        ("postings", _column("posting_ids")),
    ),
    "lever_panels": (("users", _column("user_id")),),
    "lever_referrals": (("users", _column("referrer_id")), ("users", _column("user_id"))),
    "lever_profile_forms": (("users", _column("user_id")),),
}
"""Per table, which users and postings a row names, read from the mapped row."""

_MISSING = sa.text(
    "SELECT 'postings' AS target, x.id FROM unnest(CAST(:postings AS text[])) AS x(id)"
    " WHERE NOT EXISTS (SELECT 1 FROM lever_postings p WHERE p.id = x.id)"
    " UNION ALL"
    " SELECT 'users' AS target, x.id FROM unnest(CAST(:users AS text[])) AS x(id)"
    " WHERE NOT EXISTS (SELECT 1 FROM lever_users u WHERE u.id = x.id)"
)

_Read = Callable[[LeverClient, str], Awaitable[dict[str, Any] | None]]
_READS: dict[Target, tuple[Table, _Read, Callable[[Mapping[str, Any]], Row]]] = {
    "postings": (lever_postings, get_posting, posting_row),
    "users": (lever_users, get_user, user_row),
}


def names_references(tables: Iterable[Table]) -> bool:
    """Whether rows of any of these tables name users or postings."""
    return any(t.name in NAMED for t in tables)


def _ids(value: object) -> Iterator[str]:
    """The ids in a column value: an id, an expanded object, or a list of either."""
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, Mapping):
        nested = value.get("id")
        if isinstance(nested, str) and nested:
            yield nested
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str | Mapping):
                yield from _ids(item)


class ReferenceResolver:
    """One sync's references: `check` the rows it writes, `fetch` the users and postings they lack.

    `check` may run in the batch writer's thread, inside the batch's transaction, while the
    event loop runs `fetch`; a lock guards what the two share. Each id is looked up at most
    once per run and requested at most once, so an id Lever no longer has costs one request.
    """

    def __init__(self, stats: References | None = None, *, concurrency: int = 8) -> None:
        self.stats = stats if stats is not None else References()
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._seen: dict[Target, set[str]] = {t: set() for t in TARGETS}
        self._pending: dict[Target, set[str]] = {t: set() for t in TARGETS}

    @property
    def pending(self) -> bool:
        """Whether a check found ids that are not fetched yet."""
        with self._lock:
            return any(self._pending.values())

    def check(self, conn: Connection, table: Table, rows: Iterable[Row]) -> None:
        """Note the users and postings `rows` of `table` name that the warehouse lacks (one query).

        Runs on `conn`, so rows written earlier in its transaction count as present.
        """
        named = NAMED.get(table.name)
        if not named:
            return
        wanted: dict[Target, set[str]] = {t: set() for t in TARGETS}
        for row in rows:
            for target, get in named:
                wanted[target].update(_ids(get(row)))
        self.check_ids(conn, wanted)

    def check_ids(self, conn: Connection, wanted: Mapping[Target, Iterable[str]]) -> None:
        """Note which of these user and posting ids the warehouse lacks (one query, each id once per run).

        For rows mapped in SQL, whose named ids an SQL query lists (`sql_rows`).
        """
        todo: dict[Target, set[str]] = {t: {i for i in wanted.get(t, ()) if i} for t in TARGETS}
        with self._lock:
            for target in TARGETS:
                todo[target] -= self._seen[target]
                self._seen[target] |= todo[target]
        if not any(todo.values()):
            return
        found = conn.execute(_MISSING, {t: sorted(todo[t]) for t in TARGETS}).all()
        with self._lock:
            self.stats.looked_up += sum(len(ids) for ids in todo.values())
            for target, object_id in found:
                self._pending[target].add(object_id)

    def check_rows(self, engine: Engine, table: Table, rows: Iterable[Row]) -> None:
        """`check` on a connection of its own (for rows not written in a transaction at hand)."""
        with engine.connect() as conn:
            self.check(conn, table, rows)

    async def fetch(self, client: LeverClient, engine: Engine) -> None:
        """Fetch every pending id by id and upsert what Lever returns; returns when nothing is pending.

        Postings go first: the users a fetched posting names are checked as it is written
        and fetched in the same call. Errors other than 404/403 on a read propagate.
        """
        while True:
            with self._lock:
                target = next((t for t in TARGETS if self._pending[t]), None)
                if target is None:
                    return
                ids, self._pending[target] = sorted(self._pending[target]), set()
            table, read, to_row = _READS[target]
            rows = await self._read_all(client, target, ids, read, to_row)
            await asyncio.to_thread(self._store, engine, table, rows)
            self.stats.fetched[target] += len(rows)
            if rows:
                logger.info("references: %d %s the warehouse lacked fetched by id", len(rows), target)

    async def _read_all(
        self,
        client: LeverClient,
        target: Target,
        ids: list[str],
        read: _Read,
        to_row: Callable[[Mapping[str, Any]], Row],
    ) -> list[Row]:
        async def one(object_id: str) -> dict[str, Any] | None:
            try:
                return await read(client, object_id)
            except LeverAuthError as err:
                if err.status != 403:  # 401: the key is wrong, which no reference can fix
                    raise
                return None  # confidential, and this key may not read it

        rows: list[Row] = []
        missing: list[str] = []
        async for object_id, obj in fan_out(ids, one, concurrency=self.concurrency):
            if obj is None:
                missing.append(object_id)
            else:
                rows.append(to_row(obj))
        if missing:
            missing.sort()
            self.stats.missing_ids.extend(missing)
            shown = ", ".join(missing[:_LOGGED_IDS]) + (
                f" and {len(missing) - _LOGGED_IDS} more" if len(missing) > _LOGGED_IDS else ""
            )
            logger.warning(
                "references: Lever has no %s readable with id %s (404 or 403); rows naming them keep the id",
                target,
                shown,
            )
        return rows

    def _store(self, engine: Engine, table: Table, rows: list[Row]) -> None:
        if not rows:
            return
        with engine.begin() as conn:
            upsert_rows(conn, table, rows)
            self.check(conn, table, rows)


async def fetch_missing_references(
    client: LeverClient, engine: Engine, table: Table, rows: Iterable[Row], stats: References | None = None
) -> References:
    """Fetch by id the users and postings `rows` of `table` name that the warehouse lacks; returns the counts.

    For a caller writing its rows itself (the targeted refresh): call it before or after
    the write, the references land either way.
    """
    resolver = ReferenceResolver(stats)
    await asyncio.to_thread(resolver.check_rows, engine, table, list(rows))
    await resolver.fetch(client, engine)
    return resolver.stats
