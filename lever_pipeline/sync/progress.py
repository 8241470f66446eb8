"""How far a long sync is: done / total, requests, rate and ETA, for logs, asset observations and the CLI.

A first fan-out of a big account runs for days at Lever's 10 requests/s, so whoever waits
must see where it is. `ProgressTicker` counts a phase (a stream's rows, a kind's
opportunities), logs a line every `log_every_s` (no personal data: counts only) and hands
a `Progress` to an optional callback at most every `notify_every_s`: the Dagster asset
records it as an observation with metadata, the CLI moves its progress bar.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from lever_pipeline.sync.stats import client_counters

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One reading of a phase: `unit`s done of `total` (None when Lever gives no total), requests made."""

    name: str
    unit: str
    done: int
    total: int | None
    items: int
    requests: int
    elapsed_s: float
    finished: bool = False

    @property
    def rate(self) -> float:
        """Units done per second so far."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (None without a total or before the first unit)."""
        if self.total is None or self.rate <= 0:
            return None
        return max(0, self.total - self.done) / self.rate

    def as_metadata(self) -> dict[str, float | int | str | None]:
        """Counts only, as an asset observation's metadata."""
        return {
            f"{self.unit}_done": self.done,
            f"{self.unit}_total": self.total,
            "percent_done": round(100.0 * self.done / self.total, 2) if self.total else None,
            "items": self.items,
            "requests": self.requests,
            "requests_per_second": round(self.requests_per_s, 2),
            f"{self.unit}_per_second": round(self.rate, 2),
            "eta_seconds": round(self.eta_s) if self.eta_s is not None else None,
            "elapsed_seconds": round(self.elapsed_s),
        }

    def line(self) -> str:
        """`feedback: 1,200/10,000 opportunities (12%), 345 items, 1,230 requests, 8.0 requests/s, ETA 0:18:20`."""
        of = (
            f"/{self.total:,} {self.unit} ({100.0 * self.done / max(1, self.total):.0f}%)"
            if self.total
            else f" {self.unit}"
        )
        eta = f", ETA {timedelta(seconds=round(self.eta_s))}" if self.eta_s is not None and not self.finished else ""
        return (
            f"{self.name}: {self.done:,}{of}, {self.items:,} items, {self.requests:,} requests, "
            f"{self.requests_per_s:.1f} requests/s{eta}"
        )


ProgressCallback = Callable[[Progress], None]


class ProgressTicker:
    """Counts one phase; logs every `log_every_s`, calls `on_progress` at most every `notify_every_s`."""

    def __init__(
        self,
        name: str,
        unit: str,
        total: int | None,
        client: object,
        *,
        log_every_s: float = 30.0,
        notify_every_s: float = 0.5,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.name = name
        self.unit = unit
        self.total = total
        self.client = client
        self.requests_before = client_counters(client)["requests"]
        self.log_every_s = log_every_s
        self.notify_every_s = notify_every_s
        self.on_progress = on_progress
        self.started = time.monotonic()
        self.last_log = self.last_notify = self.started
        self.done = 0
        self.items = 0

    def reading(self, *, finished: bool = False) -> Progress:
        return Progress(
            self.name,
            self.unit,
            self.done,
            self.total,
            self.items,
            client_counters(self.client)["requests"] - self.requests_before,
            time.monotonic() - self.started,
            finished,
        )

    def tick(self, done: int, items: int) -> None:
        """Record how far the phase is; log and notify when due."""
        self.done, self.items = done, items
        now = time.monotonic()
        log = now - self.last_log >= self.log_every_s
        notify = self.on_progress is not None and now - self.last_notify >= self.notify_every_s
        if not (log or notify):
            return
        reading = self.reading()
        if log:
            self.last_log = now
            logger.info("%s", reading.line())
        if notify and self.on_progress is not None:
            self.last_notify = now
            self.on_progress(reading)

    def finish(self) -> Progress:
        """The last reading, always handed to `on_progress`."""
        reading = self.reading(finished=True)
        if self.on_progress is not None:
            self.on_progress(reading)
        return reading
