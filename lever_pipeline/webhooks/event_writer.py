"""The receiver's own small pool of async PostgreSQL connections (autocommit).

The webhook route stores each event with one statement on one of these connections,
on the event loop: no worker-thread hop, no pool pre-ping round trip, no ORM layer.
Connections are opened on demand up to `size` and dropped when they fail, so a
restarted database is survived (the failing request answers 503 and Lever retries).
"""

from __future__ import annotations

import asyncio

import psycopg
from sqlalchemy.engine import URL

from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.webhooks.events import StoreResult, store_event_async


def libpq_conninfo(url: URL) -> str:
    """The engine's URL as a libpq URI (the embedded server's socket folder stays in `?host=`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class EventWriter:
    """Stores verified deliveries through at most `size` connections shared by the app's requests."""

    def __init__(self, conninfo: str, size: int = 8) -> None:
        self._conninfo = conninfo
        self._size = size
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        self._slots = asyncio.Semaphore(size)
        self._open: set[psycopg.AsyncConnection] = set()

    async def store(self, delivery: VerifiedDelivery, body: str) -> StoreResult:
        """Insert the event once; raises `psycopg.Error` (DataError for unstorable JSON)."""
        async with self._slots:
            conn = self._idle.get_nowait() if not self._idle.empty() else await self._connect()
            try:
                result = await store_event_async(conn, delivery, body)
            except psycopg.DataError:
                self._idle.put_nowait(conn)  # the statement failed, the connection is fine
                raise
            except BaseException:
                self._open.discard(conn)
                await conn.close()
                raise
            self._idle.put_nowait(conn)
            return result

    async def _connect(self) -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        self._open.add(conn)
        return conn

    async def close(self) -> None:
        """Close every connection (the app's shutdown)."""
        for conn in list(self._open):
            await conn.close()
        self._open.clear()
