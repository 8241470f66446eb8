"""Counting every Lever request of this process, and adding the counts to the warehouse once a minute.

The client factory (`account/client.py`) puts a `RecordingTransport` under every client,
so runs, the service and the CLI all count the same way. Each attempt (a retry is an
attempt of its own) costs a dict update under a lock, never a database write. A
`MinuteFlusher` thread adds the in-memory cells to `lever_api_calls` (one row per minute x
endpoint family x outcome, summed across processes by the upsert) and the recent failures
to `lever_api_failures`, every minute and once more when the client closes; rows older
than 30 days go at the same time. `ops/` reads these rows for health, `/ops` and `/metrics`.

A family is the method and the path below the API root with every id replaced by `:id`
(`GET /opportunities/:id/feedback`), so there are a few dozen series whatever the
account's size, and no id, query string or key ever reaches the metrics.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import orjson
from sqlalchemy import Engine, delete, func, literal_column
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from lever_pipeline.lever.client import ClientStats
from lever_pipeline.warehouse.tables import lever_api_calls, lever_api_failures

logger = logging.getLogger(__name__)

Outcome = Literal["ok", "4xx", "401/403", "429", "5xx", "timeout", "dropped"]

#: Outcomes that count against the success rate. `4xx` (400, 404, 409...) is Lever answering
#: about our request (a 404 is "gone"), not the integration failing, so it is not among them.
FAILURE_OUTCOMES: frozenset[str] = frozenset({"401/403", "429", "5xx", "timeout", "dropped"})

_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d+")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_UUID_ANYWHERE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MESSAGE_LIMIT = 200


def _segment(segment: str) -> str:
    # Lever's ids are UUIDs; other ids (files, a sandbox's counters) are long or mostly digits.
    if _ID.fullmatch(segment) or (len(segment) >= 20 and any(c.isdigit() for c in segment)):
        return ":id"
    return segment


def family(method: str, path: str, root_path: str = "") -> str:
    """`GET /opportunities/:id/feedback` for `GET <root>/opportunities/<uuid>/feedback`."""
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    parts = [_segment(p) for p in path.strip("/").split("/") if p]
    return f"{method.upper()} /{'/'.join(parts)}"


def outcome_of(status: int) -> Outcome:
    """The outcome of an answered request, by its status."""
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "401/403"
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    return "4xx"


def status_class(outcome: str) -> str:
    """2xx, 4xx, 5xx, or none for a request that got no answer."""
    return {"ok": "2xx", "5xx": "5xx", "timeout": "none", "dropped": "none"}.get(outcome, "4xx")


def safe_message(code: object, message: object) -> str | None:
    """Lever's error code and message for the failure log, with emails and ids masked, capped in length.

    Lever's messages name fields and rules, but may echo a value sent (an email): those are
    masked so the failure log, `/ops` and `/ops/lever` carry no personal data.
    """
    parts = [str(p) for p in (code, message) if isinstance(p, str) and p]
    if not parts:
        return None
    text = ": ".join(parts)
    text = _UUID_ANYWHERE.sub(":id", _EMAIL.sub("<email>", text))
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


#: Upper bounds (seconds) of the latency buckets; a last bucket takes everything slower.
LATENCY_BOUNDS_S: tuple[float, ...] = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RETENTION = timedelta(days=30)
#: Failures kept per flush and process: the log is for "what went wrong lately", not a count.
MAX_FAILURES_PER_FLUSH = 20


@dataclass
class Cell:
    """The calls of one minute, family and outcome, as one process saw them."""

    calls: int = 0
    retries: int = 0
    latency_ms_sum: float = 0.0
    latency_ms_max: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BOUNDS_S) + 1))
    last_at: float = 0.0

    def merge(self, other: Cell) -> None:
        self.calls += other.calls
        self.retries += other.retries
        self.latency_ms_sum += other.latency_ms_sum
        self.latency_ms_max = max(self.latency_ms_max, other.latency_ms_max)
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.last_at = max(self.last_at, other.last_at)


@dataclass(frozen=True)
class Failure:
    """One failed attempt: when, which family, how, and Lever's masked message."""

    at: float
    family: str
    outcome: str
    status: int | None
    message: str | None


CellKey = tuple[int, str, str]  # (minute as epoch seconds, family, outcome)


class CallRecorder:
    """In-memory call counts of one process (or one client), safe to use from any thread."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._cells: dict[CellKey, Cell] = {}
        self._failures: deque[Failure] = deque(maxlen=MAX_FAILURES_PER_FLUSH)

    def record(
        self,
        family: str,
        outcome: str,
        latency_s: float,
        *,
        retry: bool = False,
        status: int | None = None,
        message: str | None = None,
    ) -> None:
        """Count one attempt that ended now."""
        now = self._clock()
        key = (int(now // 60) * 60, family, outcome)
        bucket = bisect.bisect_left(LATENCY_BOUNDS_S, latency_s)
        latency_ms = latency_s * 1000.0
        with self._lock:
            cell = self._cells.get(key)
            if cell is None:
                cell = self._cells[key] = Cell()
            cell.calls += 1
            cell.retries += retry
            cell.latency_ms_sum += latency_ms
            if latency_ms > cell.latency_ms_max:
                cell.latency_ms_max = latency_ms
            cell.buckets[bucket] += 1
            cell.last_at = now
            if outcome in FAILURE_OUTCOMES:
                self._failures.append(Failure(now, family, outcome, status, message))

    def drain(self) -> tuple[dict[CellKey, Cell], list[Failure]]:
        """Take everything counted so far, leaving the recorder empty."""
        with self._lock:
            cells, self._cells = self._cells, {}
            failures = list(self._failures)
            self._failures.clear()
        return cells, failures

    def restore(self, cells: dict[CellKey, Cell]) -> None:
        """Put back cells a failed flush could not write, so the next flush carries them."""
        with self._lock:
            for key, cell in cells.items():
                mine = self._cells.get(key)
                if mine is None:
                    self._cells[key] = cell
                else:
                    mine.merge(cell)

    def flush(self, engine: Engine) -> int:
        """Add the counts to the warehouse (summing with other processes' rows); the rows written.

        A database error keeps the counts for the next flush and is logged once: losing a
        metrics write must never fail a sync or a request.
        """
        cells, failures = self.drain()
        if not cells:
            return 0
        try:
            write_cells(engine, cells, failures)
        except SQLAlchemyError as err:
            self.restore(cells)
            logger.warning("Lever call metrics not written this time (%s); kept for the next flush", type(err).__name__)
            return 0
        return len(cells)


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def write_cells(engine: Engine, cells: dict[CellKey, Cell], failures: list[Failure]) -> None:
    """Upsert the cells into `lever_api_calls`, log the failures, and drop rows past retention."""
    rows = [
        {
            "minute": _ts(minute),
            "family": fam,
            "outcome": outcome,
            "status_class": status_class(outcome),
            "calls": c.calls,
            "retries": c.retries,
            "latency_ms_sum": c.latency_ms_sum,
            "latency_ms_max": c.latency_ms_max,
            "latency_buckets": c.buckets,
            "last_at": _ts(c.last_at),
        }
        for (minute, fam, outcome), c in sorted(cells.items())
    ]
    stmt = insert(lever_api_calls)
    t, x = lever_api_calls.c, stmt.excluded
    summed_buckets = literal_column(
        "ARRAY(SELECT a + b FROM unnest(lever_api_calls.latency_buckets, excluded.latency_buckets) AS u(a, b))"
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.minute, t.family, t.outcome],
        set_={
            "calls": t.calls + x.calls,
            "retries": t.retries + x.retries,
            "latency_ms_sum": t.latency_ms_sum + x.latency_ms_sum,
            "latency_ms_max": func.greatest(t.latency_ms_max, x.latency_ms_max),
            "latency_buckets": summed_buckets,
            "last_at": func.greatest(t.last_at, x.last_at),
        },
    )
    cutoff = datetime.now(UTC) - RETENTION
    with engine.begin() as conn:
        conn.execute(stmt, rows)
        if failures:
            conn.execute(
                lever_api_failures.insert(),
                [
                    {
                        "at": _ts(f.at),
                        "family": f.family,
                        "outcome": f.outcome,
                        "status": f.status,
                        "message": f.message,
                    }
                    for f in failures
                ],
            )
        conn.execute(delete(lever_api_calls).where(lever_api_calls.c.minute < cutoff))
        conn.execute(delete(lever_api_failures).where(lever_api_failures.c.at < cutoff))


def _lever_message(content: bytes) -> str | None:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return safe_message(body.get("code"), body.get("message")) if isinstance(body, dict) else None


class RecordingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that counts every attempt through it in a `CallRecorder`.

    `watch(stats)` lets it tell retries from first attempts: the client counts a retry just
    before sending it, so a rise in `stats.retries` marks the next attempt as one.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: CallRecorder, root_path: str = "") -> None:
        self._inner = inner
        self.recorder = recorder
        self._root_path = root_path.rstrip("/")
        self._stats: ClientStats | None = None
        self._retries_seen = 0

    def watch(self, stats: ClientStats) -> None:
        self._stats = stats
        self._retries_seen = stats.retries

    def _is_retry(self) -> bool:
        if self._stats is None or self._stats.retries <= self._retries_seen:
            return False
        self._retries_seen += 1
        return True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fam = family(request.method, request.url.path, self._root_path)
        retry = self._is_retry()
        start = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TimeoutException:
            self.recorder.record(fam, "timeout", time.perf_counter() - start, retry=retry)
            raise
        except httpx.TransportError:
            self.recorder.record(fam, "dropped", time.perf_counter() - start, retry=retry)
            raise
        latency = time.perf_counter() - start
        outcome = outcome_of(response.status_code)
        message = None
        if outcome in FAILURE_OUTCOMES:
            # Failures are rare and their bodies small: read here so the log carries Lever's reason.
            await response.aread()
            message = _lever_message(response.content)
        self.recorder.record(fam, outcome, latency, retry=retry, status=response.status_code, message=message)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class MinuteFlusher:
    """A daemon thread flushing a recorder every `interval` seconds; `close()` flushes a last time."""

    def __init__(self, recorder: CallRecorder, engine: Engine, interval: float = 60.0) -> None:
        self.recorder = recorder
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lever-call-metrics", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.recorder.flush(self._engine)

    def close(self) -> None:
        """Stop the thread and write what is left (blocking: call from a worker thread in async code)."""
        self._stop.set()
        self._thread.join()
        self.recorder.flush(self._engine)
