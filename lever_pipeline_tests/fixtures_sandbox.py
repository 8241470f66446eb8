"""Pytest plugin: the Lever sandbox on a real socket (uvicorn on 127.0.0.1, a free port).

`sandbox` is one session-wide sandbox with the default data at test size (200
opportunities, no rate limit, no latency). Tests that change its data call
`sandbox.reset()` first. `sandbox_factory(**overrides)` starts a sandbox with its own
config for the length of a `with` block. `eventually` polls a condition with a deadline
(tests never sleep for a fixed time).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import pytest

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.server import RunningSandbox, run_sandbox_in_thread

T = TypeVar("T")

#: What every test sandbox starts from unless a test overrides it.
TEST_DEFAULTS: dict[str, Any] = {"opportunities": 200, "rate_limit": 0.0, "latency_ms": 0.0}

SandboxFactory = Callable[..., AbstractContextManager[RunningSandbox]]


def eventually(check: Callable[[], T], timeout: float = 10.0, message: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(0.01)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """The session's sandbox: seed 7, 200 opportunities, no rate limit, no latency."""
    with run_sandbox_in_thread(SandboxConfig(**TEST_DEFAULTS)) as running:
        yield running


@pytest.fixture(scope="session")
def sandbox_factory() -> SandboxFactory:
    """`with sandbox_factory(rate_limit=5, burst=5) as sb:` a sandbox with its own config."""

    @contextmanager
    def factory(**overrides: Any) -> Iterator[RunningSandbox]:
        with run_sandbox_in_thread(SandboxConfig(**{**TEST_DEFAULTS, **overrides})) as running:
            yield running

    return factory
