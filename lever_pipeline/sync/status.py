"""What is in the warehouse: row counts per table and the sync state per stream."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Engine, func, inspect, select

from lever_pipeline.warehouse.tables import metadata, sync_state


@dataclass(frozen=True)
class TableStatus:
    table: str
    rows: int


@dataclass(frozen=True)
class StreamStatus:
    stream: str
    last_success_at: datetime | None
    high_water_mark: datetime | None
    last_full_sync_at: datetime | None


@dataclass(frozen=True)
class WarehouseStatus:
    tables: list[TableStatus]
    streams: list[StreamStatus]

    def as_json(self) -> dict[str, object]:
        def iso(value: object) -> object:
            return value.isoformat() if isinstance(value, datetime) else value

        return {
            "tables": [asdict(t) for t in self.tables],
            "streams": [{k: iso(v) for k, v in asdict(s).items()} for s in self.streams],
        }


def warehouse_status(engine: Engine) -> WarehouseStatus:
    """Row counts for every table the migrations created, and each stream's last sync."""
    present = set(inspect(engine).get_table_names())
    tables = [t for name, t in sorted(metadata.tables.items()) if name in present]
    with engine.connect() as conn:
        counts = [TableStatus(t.name, conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables]
        streams = [
            StreamStatus(r.stream, r.last_success_at, r.high_water_mark, r.last_full_sync_at)
            for r in conn.execute(select(sync_state).order_by(sync_state.c.stream))
        ]
    return WarehouseStatus(tables=counts, streams=streams)
