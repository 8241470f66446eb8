"""Running the sandbox: in a background thread on a real socket (tests, demo, dev) or in the
foreground (the `lever-pipeline sandbox` command). Uvicorn with httptools and uvloop, access
log off: the sandbox must never be the bottleneck of what it measures.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from lever_pipeline.sandbox.app import SandboxApp
from lever_pipeline.sandbox.config import SandboxConfig

STARTUP_TIMEOUT_S = 120.0


def build_app(config: SandboxConfig) -> SandboxApp:
    """The sandbox's ASGI app, with its account generated from `config.seed` (takes seconds at 100k)."""
    return SandboxApp(config)


def _uvicorn_config(app: SandboxApp, host: str, port: int, graceful_s: float | None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=graceful_s,
        timeout_keep_alive=30,
    )


class _Server(uvicorn.Server):
    """uvicorn.Server that signals when it listens (no polling of a private flag)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def install_signal_handlers(self) -> None:  # the host process owns signals
        pass


@dataclass
class RunningSandbox:
    """A sandbox serving on a socket, and its control plane as methods."""

    root_url: str
    api_key: str
    config: SandboxConfig
    app: SandboxApp

    @property
    def base_url(self) -> str:
        """The Lever API base URL to give a client: `<root>/v1`."""
        return self.root_url + "/v1"

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        r = httpx.request(method, f"{self.root_url}/_sandbox/{path}", json=body, timeout=120.0)
        r.raise_for_status()
        return r.json()

    def stats(self) -> dict[str, Any]:
        """GET /_sandbox/stats."""
        return self._control("GET", "stats")

    def mutate(self, n: int, kinds: list[str] | None = None) -> dict[str, Any]:
        """Apply `n` seeded mutations now; returns `{count, mutations: [{opportunityId, kind, ...}], by_kind}`."""
        body: dict[str, Any] = {"count": n}
        if kinds:
            body["kinds"] = kinds
        return self._control("POST", "mutate", body)

    def reset(self) -> dict[str, Any]:
        """Regenerate the account from the seed and zero every counter."""
        return self._control("POST", "reset")

    @property
    def auth_url(self) -> str:
        """Where Lever's OAuth endpoints live (`/authorize`, `/oauth/token`): the sandbox's root."""
        return self.root_url

    def revoke_refresh_tokens(self) -> int:
        """POST /_sandbox/oauth/revoke: forget every refresh token; returns how many there were."""
        return self._control("POST", "oauth/revoke")["revoked"]

    def expire_access_tokens(self) -> int:
        """POST /_sandbox/oauth/expire: every live access token expires now; returns how many."""
        return self._control("POST", "oauth/expire")["expired"]

    def faults(self, *specs: dict[str, Any]) -> dict[str, Any]:
        """Queue faults for the next /v1 calls, e.g. `faults({"next": 3, "status": 429, "retry_after": 0})`."""
        return self._control("POST", "faults", list(specs))


@contextlib.contextmanager
def run_sandbox_in_thread(
    config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox on `host:port` (0: a free port) in a daemon thread until the block ends.

    Returns once the socket listens; raises RuntimeError if the server dies or does not
    start within STARTUP_TIMEOUT_S.
    """
    config = config or SandboxConfig()
    app = build_app(config)
    server = _Server(_uvicorn_config(app, host, port, graceful_s=2.0))
    thread = threading.Thread(target=server.run, name=f"lever-sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.ready.wait(0.05):
        if not thread.is_alive():
            raise RuntimeError(f"the Lever sandbox failed to start on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the Lever sandbox did not start within {STARTUP_TIMEOUT_S:.0f} s")
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield RunningSandbox(f"http://{host}:{bound[1]}", config.api_key, config, app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 8090) -> None:
    """Serve in the foreground until interrupted (Ctrl-C), as the CLI does."""
    server = uvicorn.Server(_uvicorn_config(build_app(config), host, port, graceful_s=2.0))
    server.run()
