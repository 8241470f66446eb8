"""What a sync did: the one statistics record every kind of sync fills in, and the client's counters.

A stream sync, a per-opportunity fan-out, the template sync and a targeted refresh all
report the same `SyncStats`; the parts one of them does not measure stay None (or empty)
and are left out of its metadata. It is written, as JSON, to the stream's `sync_state`
row, and the Dagster layer turns it into materialization metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection, Table

from lever_pipeline.warehouse.upsert import UpsertCounts

Mode = Literal["full", "incremental", "targeted"]

COUNTERS = ("requests", "pages", "retries", "rate_limited_429")
"""The client counters a sync reports, as deltas over its run."""


def client_counters(client: object) -> dict[str, int]:
    """The client's running request counters now (zeros for a client that keeps none)."""
    stats = getattr(client, "stats", None)
    return {name: int(getattr(stats, name, 0)) for name in COUNTERS}


def table_rows(conn: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """How many rows each table holds now (what a sync reports as `dagster/row_count`)."""
    return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}


@dataclass
class TableCounts:
    """Rows one sync wrote to one table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def add(self, counts: UpsertCounts) -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged


@dataclass
class FanOut:
    """The per-opportunity part of a sync: which opportunities it fetched, and what came of them."""

    live: int | None = None  # live opportunities in the warehouse (None: not counted, as in a targeted refresh)
    selected: int = 0  # opportunities chosen to fetch
    done: int = 0  # fetched, gone ones included
    known_empty: int = 0  # chosen, but Lever's data says they have none: written empty without a request
    gone_ids: list[str] = field(default_factory=list)  # answered 404: deleted in Lever since the last sync

    @property
    def gone(self) -> int:
        return len(self.gone_ids)


@dataclass
class References:
    """Users and postings the sync's rows named that the warehouse lacked, fetched by id in the same run."""

    looked_up: int = 0  # distinct ids checked against the warehouse
    fetched: dict[str, int] = field(default_factory=lambda: {"postings": 0, "users": 0})
    missing_ids: list[str] = field(default_factory=list)  # Lever answered 404 (or 403): left dangling

    @property
    def fetched_total(self) -> int:
        return sum(self.fetched.values())

    @property
    def missing(self) -> int:
        return len(self.missing_ids)


@dataclass
class FieldTypes:
    """Feedback field types met: template fields, or the values of filled-in forms.

    `counted` names what was counted ("fields" or "field_values"); it prefixes the metadata keys.
    """

    counted: Literal["fields", "field_values"]
    seen: dict[str, int] = field(default_factory=dict)  # per field type
    unknown: dict[str, int] = field(default_factory=dict)  # per type this code does not know
    unparsed: int = 0  # of a known type, but not of its shape

    def count(self, field_type: str, *, known: bool, parsed: bool) -> None:
        self.seen[field_type] = self.seen.get(field_type, 0) + 1
        if not known:
            self.unknown[field_type] = self.unknown.get(field_type, 0) + 1
        elif not parsed:
            self.unparsed += 1


@dataclass
class SyncStats:
    """What one sync did; `tables` lists every table written, main table first."""

    name: str  # the stream or kind, as in `sync_state.stream`
    mode: Mode
    tables: dict[str, TableCounts]
    since: datetime | None = None  # an incremental stream re-read from here
    rows_seen: int = 0  # objects Lever returned
    table_rows: dict[str, int] = field(default_factory=dict)  # rows in each table afterwards
    high_water_mark: datetime | None = None
    opportunities: FanOut | None = None
    references: References | None = None
    confidentiality: str | None = None  # what a list that takes it returned: "all" or "non-confidential"
    deleted_since: datetime | None = None  # an incremental run read Lever's deleted list from here
    deleted_listed: int | None = None  # objects that list returned (None: not read this run)
    deleted_mark: datetime | None = None  # where the next run reads the deleted list from
    warnings: list[str] = field(default_factory=list)  # one line each, for the run log and metadata
    field_types: FieldTypes | None = None
    files_downloaded: int | None = None  # None: downloads were not asked for this kind
    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    fetch_s: float = 0.0  # until the last answer from Lever
    duration_s: float = 0.0  # until the last row was written

    @classmethod
    def of(cls, name: str, mode: Mode, tables: Iterable[Table], **facts: Any) -> SyncStats:
        """Empty stats for a sync of `name` writing `tables` (main table first)."""
        return cls(name=name, mode=mode, tables={t.name: TableCounts() for t in tables}, **facts)

    @property
    def full(self) -> bool:
        return self.mode == "full"

    @property
    def main_table(self) -> str:
        return next(iter(self.tables))

    @property
    def main(self) -> TableCounts:
        """Counts of the main table (the one a row of Lever's object lands in)."""
        return self.tables[self.main_table]

    @property
    def requests_per_second(self) -> float:
        """Requests ÷ wall time of the fetch phase (what the rate limiter allowed)."""
        return round(self.requests / self.fetch_s, 2) if self.fetch_s > 0 else 0.0

    def see_stamp(self, stamp: datetime | None) -> None:
        """Move the high-water mark up to `stamp` if it is newer."""
        if stamp is not None and (self.high_water_mark is None or stamp > self.high_water_mark):
            self.high_water_mark = stamp

    def count_requests(self, before: Mapping[str, int], client: object) -> None:
        """Record the client's counters since `before` (a `client_counters` reading)."""
        now = client_counters(client)
        for name in COUNTERS:
            setattr(self, name, now[name] - before[name])

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for `sync_state.last_stats`."""
        out = asdict(self)
        for key in ("since", "high_water_mark", "deleted_since", "deleted_mark"):
            out[key] = out[key].isoformat() if out[key] else None
        out["requests_per_second"] = self.requests_per_second
        return out
