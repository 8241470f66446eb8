"""Reading the Lever call metrics back: windows, per-minute series, totals per series, failures.

The rows are written by every process's recorder (`account/call_metrics.py`); these
queries only sum them, so every worker of the service answers with the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account.call_metrics import FAILURE_OUTCOMES, LATENCY_BOUNDS_S
from lever_pipeline.warehouse.tables import lever_api_calls, lever_api_failures

_c = lever_api_calls.c
_FAILURES = sorted(FAILURE_OUTCOMES)


@dataclass(frozen=True)
class WindowFigures:
    """Calls between `since` and now, by outcome, with latency from the histogram."""

    since: datetime
    by_outcome: dict[str, int]
    retries: int
    latency_ms_sum: float
    latency_ms_max: float
    buckets: list[int]

    @property
    def calls(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def failures(self) -> int:
        return sum(n for o, n in self.by_outcome.items() if o in FAILURE_OUTCOMES)

    @property
    def successes(self) -> int:
        return self.calls - self.failures

    @property
    def success_rate(self) -> float | None:
        """Share of calls Lever answered (2xx or another 4xx); None without calls."""
        return self.successes / self.calls if self.calls else None

    @property
    def avg_latency_ms(self) -> float | None:
        return round(self.latency_ms_sum / self.calls, 1) if self.calls else None

    @property
    def p95_latency_ms(self) -> float | None:
        """The upper bound of the latency bucket holding the 95th percentile (the maximum past the last bound)."""
        if not self.calls:
            return None
        target, seen = 0.95 * self.calls, 0
        for i, n in enumerate(self.buckets):
            seen += n
            if seen >= target:
                return LATENCY_BOUNDS_S[i] * 1000.0 if i < len(LATENCY_BOUNDS_S) else round(self.latency_ms_max, 1)
        return round(self.latency_ms_max, 1)

    def as_json(self) -> dict[str, object]:
        rate = self.success_rate
        return {
            "since": self.since.isoformat(),
            "calls": self.calls,
            "successes": self.successes,
            "failures": self.failures,
            "successRate": round(rate, 4) if rate is not None else None,
            "avgLatencyMs": self.avg_latency_ms,
            "p95LatencyMs": self.p95_latency_ms,
            "rateLimited429": self.by_outcome.get("429", 0),
            "retries": self.retries,
            "byOutcome": dict(sorted(self.by_outcome.items())),
        }


def window(engine: Engine, since: datetime) -> WindowFigures:
    """Every process's calls that ended at or after `since` (minute precision)."""
    buckets_sql = sa.text(
        "SELECT u.i, sum(u.b) FROM lever_api_calls, unnest(latency_buckets) WITH ORDINALITY AS u(b, i)"
        " WHERE minute >= :since GROUP BY u.i"
    )
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_c.outcome, sa.func.sum(_c.calls), sa.func.sum(_c.retries), sa.func.sum(_c.latency_ms_sum))
            .where(_c.minute >= since)
            .group_by(_c.outcome)
        ).all()
        latency_max = conn.execute(sa.select(sa.func.max(_c.latency_ms_max)).where(_c.minute >= since)).scalar()
        buckets = [0] * (len(LATENCY_BOUNDS_S) + 1)
        for i, n in conn.execute(buckets_sql, {"since": since}):
            buckets[int(i) - 1] = int(n)
    return WindowFigures(
        since=since,
        by_outcome={r[0]: int(r[1]) for r in rows},
        retries=sum(int(r[2]) for r in rows),
        latency_ms_sum=sum(float(r[3]) for r in rows),
        latency_ms_max=float(latency_max or 0.0),
        buckets=buckets,
    )


@dataclass(frozen=True)
class MinutePoint:
    minute: datetime
    calls: int
    rate_limited: int
    failures: int


def per_minute(engine: Engine, since: datetime) -> list[MinutePoint]:
    """Calls, 429s and failures (429s included) per minute since `since`, minutes without calls left out."""
    failed = _c.outcome.in_(_FAILURES)
    query = (
        sa.select(
            _c.minute,
            sa.func.sum(_c.calls),
            sa.func.coalesce(sa.func.sum(_c.calls).filter(_c.outcome == "429"), 0),
            sa.func.coalesce(sa.func.sum(_c.calls).filter(failed), 0),
        )
        .where(_c.minute >= since)
        .group_by(_c.minute)
        .order_by(_c.minute)
    )
    with engine.connect() as conn:
        return [MinutePoint(m, int(n), int(r), int(f)) for m, n, r, f in conn.execute(query)]


@dataclass(frozen=True)
class SeriesTotal:
    """All retained calls of one family and outcome: the counters and histogram `/metrics` shows."""

    family: str
    outcome: str
    status_class: str
    calls: int
    retries: int
    latency_s_sum: float
    buckets: list[int] = field(default_factory=list)


def series_totals(engine: Engine) -> list[SeriesTotal]:
    """Per family and outcome, the sums over every retained minute (30 days)."""
    sql = sa.text(
        "SELECT family, outcome, min(status_class), sum(calls), sum(retries), sum(latency_ms_sum),"
        " (SELECT array_agg(s ORDER BY i) FROM (SELECT u.i, sum(u.b) AS s FROM lever_api_calls x,"
        "   unnest(x.latency_buckets) WITH ORDINALITY AS u(b, i)"
        "   WHERE x.family = t.family AND x.outcome = t.outcome GROUP BY u.i) b)"
        " FROM lever_api_calls t GROUP BY family, outcome ORDER BY family, outcome"
    )
    with engine.connect() as conn:
        return [
            SeriesTotal(f, o, sc, int(n), int(r), float(ms) / 1000.0, [int(b) for b in buckets])
            for f, o, sc, n, r, ms, buckets in conn.execute(sql)
        ]


@dataclass(frozen=True)
class CallRef:
    """A call named without personal data: when, which family, its status, Lever's masked message."""

    at: datetime
    family: str
    outcome: str
    status: int | None = None
    message: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "endpoint": self.family,
            "outcome": self.outcome,
            "status": self.status,
            "message": self.message,
        }


def last_success(engine: Engine) -> CallRef | None:
    """The newest successful call any process recorded (to the end of its minute's last call)."""
    query = (
        sa.select(_c.last_at, _c.family)
        .where(_c.outcome == "ok")
        .order_by(_c.minute.desc(), _c.last_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return CallRef(row.last_at, row.family, "ok") if row else None


def recent_failures(engine: Engine, limit: int = 10) -> list[CallRef]:
    """The newest failed calls, newest first."""
    f = lever_api_failures.c
    query = sa.select(f.at, f.family, f.outcome, f.status, f.message).order_by(f.at.desc(), f.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [CallRef(r.at, r.family, r.outcome, r.status, r.message) for r in conn.execute(query)]


def failures_since(engine: Engine, after: datetime | None, *, outcomes: frozenset[str] = FAILURE_OUTCOMES) -> int:
    """Logged failures of these outcomes after `after` (all retained ones when None)."""
    f = lever_api_failures.c
    query = sa.select(sa.func.count()).where(f.outcome.in_(sorted(outcomes)))
    if after is not None:
        query = query.where(f.at > after)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
