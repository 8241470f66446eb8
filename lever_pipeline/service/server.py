"""Running the service: in the foreground (`lever-pipeline serve`, one or more worker
processes) or in a background thread on a real socket (tests, benchmarks).

Uvicorn with httptools and uvloop and the access log off: the receiver's request path is
one signature check and one INSERT, and the server must not be slower than that.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 60.0
FACTORY = "lever_pipeline.service.app:app_from_environment"


#: Every uvicorn option the service runs with, in the thread and in the foreground.
UVICORN_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "lifespan": "on",
    "access_log": False,
    "log_level": "warning",
    "timeout_graceful_shutdown": 5,
    "timeout_keep_alive": 30,
    "server_header": False,
}


class _Server(uvicorn.Server):
    """uvicorn.Server that signals when it listens, and leaves signals to the host process."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def install_signal_handlers(self) -> None:
        pass


@dataclass(frozen=True)
class RunningService:
    """A service listening on `url` (e.g. http://127.0.0.1:54321)."""

    url: str
    app: FastAPI


@contextlib.contextmanager
def run_service_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningService]:
    """Serve `app` on `host:port` (0: a free port) in a daemon thread until the block ends."""
    server = _Server(uvicorn.Config(app, host=host, port=port, **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, name="lever-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.ready.wait(0.05):
        if not thread.is_alive():
            raise RuntimeError(f"the service failed to start on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the service did not start within {STARTUP_TIMEOUT_S:.0f} s")
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield RunningService(f"http://{host}:{bound[1]}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def serve(host: str, port: int, workers: int) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then return normally.

    Each worker process builds its app from the environment. uvicorn shuts down gracefully
    on either signal and then raises it again with the handler it found; left at SIGTERM's
    default that would end the process on the spot, skipping every `atexit` hook (the
    embedded PostgreSQL's clean-up among them). Both signals therefore end in a
    KeyboardInterrupt here, caught once the server has stopped.
    """
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, **UVICORN_OPTIONS)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
