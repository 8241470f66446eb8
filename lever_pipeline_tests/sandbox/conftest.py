"""Sandbox tests: make sure the sandbox fixtures are loaded, and give each test a client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.sandbox.support import Receiver

PLUGIN = "lever_pipeline_tests.fixtures_sandbox"


def pytest_configure(config: pytest.Config) -> None:
    # The root conftest lists the plugin in pytest_plugins; this keeps these tests runnable
    # on their own too, without registering it twice.
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)


@pytest.fixture
def fresh(sandbox: RunningSandbox) -> RunningSandbox:
    """The session sandbox, reset to its generated state (for tests that change data)."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """An authenticated client on the session sandbox's /v1."""
    with httpx.Client(base_url=sandbox.base_url, auth=(sandbox.api_key, ""), timeout=30) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            if state.attempts <= state.fail_first:
                self.send_response(500)
            else:
                state.deliveries.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
