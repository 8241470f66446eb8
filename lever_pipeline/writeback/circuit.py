"""The circuit breaker on Lever writes, kept in `writeback_circuit` so every run and process sees it.

Each transient failure counts one, atomically; `THRESHOLD` in a row open the circuit for
`COOLDOWN`, during which no run sends anything. One success closes it and resets the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.warehouse.tables.writeback import writeback_circuit
from lever_pipeline.writeback.audit import audit

NAME = "lever"
THRESHOLD = 5
COOLDOWN = timedelta(minutes=15)


@dataclass(frozen=True)
class CircuitState:
    consecutive_failures: int
    open_until: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and self.open_until > now


def read_state(engine: Engine, name: str = NAME) -> CircuitState:
    """The breaker as stored (closed with no failures when it has never tripped)."""
    c = writeback_circuit
    with engine.connect() as conn:
        row = conn.execute(sa.select(c.c.consecutive_failures, c.c.open_until).where(c.c.name == name)).one_or_none()
    return CircuitState(row.consecutive_failures, row.open_until) if row else CircuitState(0, None)


def record_failure(
    engine: Engine,
    now: datetime,
    *,
    threshold: int = THRESHOLD,
    cooldown: timedelta = COOLDOWN,
    name: str = NAME,
    run_id: str | None = None,
) -> CircuitState:
    """Count one failure (atomically, across processes); open the circuit at `threshold` in a row."""
    c = writeback_circuit
    with engine.begin() as conn:
        stmt = insert(c).values(name=name, consecutive_failures=1)
        row = conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={"consecutive_failures": c.c.consecutive_failures + 1, "updated_at": sa.func.now()},
            ).returning(c.c.consecutive_failures, c.c.open_until)
        ).one()
        if row.consecutive_failures >= threshold and not (row.open_until and row.open_until > now):
            until = now + cooldown
            conn.execute(sa.update(c).where(c.c.name == name).values(opened_at=now, open_until=until))
            audit(
                conn,
                "circuit_opened",
                outcome=f"{row.consecutive_failures} consecutive failures; closed again at {until.isoformat()}",
                run_id=run_id,
            )
            return CircuitState(row.consecutive_failures, until)
        return CircuitState(row.consecutive_failures, row.open_until)


def record_success(engine: Engine, name: str = NAME) -> None:
    """A success closes the circuit and resets the count."""
    c = writeback_circuit
    with engine.begin() as conn:
        conn.execute(
            sa.update(c)
            .where(c.c.name == name, sa.or_(c.c.consecutive_failures > 0, c.c.open_until.is_not(None)))
            .values(consecutive_failures=0, open_until=None, updated_at=sa.func.now())
        )
