"""Which /v1 requests get a fault: queued ones first (tests ask for them), then seeded ones.

Seeded faults draw one number per request from `Random(seed)`, so the same seed and the
same request sequence give the same faults. Kinds: an error status (500/503, or any status
a test queues, e.g. 429), `hang` (the request is held open past any sane client timeout),
`drop` (the connection is closed without an answer) and `commit-then-500` (the handler
runs, its effects stay, the answer is a 500: the ambiguous failure write-back must survive).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lever_pipeline.sandbox.config import SandboxConfig

KINDS = ("status", "hang", "drop", "commit-then-500")


@dataclass
class Fault:
    """One fault to inject into one request."""

    kind: str  # one of KINDS
    status: int = 500
    retry_after: float | None = None

    @property
    def label(self) -> str:
        """The name the stats count it under: the status for status faults, else the kind."""
        return str(self.status) if self.kind == "status" else self.kind


@dataclass
class QueuedFault:
    """A fault for the next `remaining` requests that match `method` and `path_contains`."""

    fault: Fault
    remaining: int
    method: str | None = None
    path_contains: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        )


def parse_fault(spec: dict) -> QueuedFault:
    """A queued fault from the control plane's JSON: `{"next": 3, "status": 429, "retry_after": 0}`
    or `{"next": 1, "kind": "drop"|"hang"|"500"|"503"|"commit-then-500"}`, with optional
    `method` and `path_contains` to aim it. Raises ValueError with a readable message."""
    n = spec.get("next", 1)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("'next' must be a positive integer")
    kind = spec.get("kind")
    status = spec.get("status")
    if kind is None and status is None:
        raise ValueError("give 'kind' (drop, hang, 500, 503, commit-then-500) or 'status'")
    if isinstance(kind, str) and kind.isdigit():
        kind, status = "status", int(kind)
    elif kind is None:
        kind = "status"
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}")
    if kind == "status" and (not isinstance(status, int) or not 400 <= status <= 599):
        raise ValueError("'status' must be an HTTP error status (400..599)")
    retry_after = spec.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, int | float):
        raise ValueError("'retry_after' must be a number of seconds")
    method = spec.get("method")
    return QueuedFault(
        Fault(kind, status or 500, retry_after),
        n,
        method.upper() if isinstance(method, str) else None,
        spec.get("path_contains"),
    )


class FaultPlan:
    """Decides the fault (if any) for each /v1 request, in arrival order."""

    def __init__(self, config: SandboxConfig) -> None:
        self.rate = config.fault_rate
        self.write_fault = config.write_fault
        self.rng = random.Random(config.seed ^ 0x5EEDFA17)
        self.queue: list[QueuedFault] = []

    def push(self, queued: QueuedFault) -> None:
        self.queue.append(queued)

    def clear(self) -> None:
        self.queue.clear()

    def decide(self, method: str, path: str, is_write: bool) -> Fault | None:
        """The fault for this request, consuming a queued one or one seeded draw."""
        for q in self.queue:
            if q.matches(method, path):
                q.remaining -= 1
                if q.remaining <= 0:
                    self.queue.remove(q)
                return q.fault
        if is_write and self.write_fault and self.rate <= 0:
            return Fault(self.write_fault)
        if self.rate <= 0:
            return None
        u, v = self.rng.random(), self.rng.random()
        if u >= self.rate:
            return None
        if is_write and self.write_fault:
            return Fault(self.write_fault)
        if v < 0.4:
            return Fault("status", 500)
        if v < 0.7:
            return Fault("status", 503)
        if v < 0.85:
            return Fault("hang")
        return Fault("drop")
