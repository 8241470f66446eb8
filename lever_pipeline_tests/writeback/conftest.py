"""Fixtures for write-back tests: users synced from the sandbox (real HTTP) into a real PostgreSQL,
helpers to build valid feedback values from a template, and the factory's client bound to a sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.core_assets import users
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.writeback.sender import WritebackOptions, WritebackResult, send_pending
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource, sandbox_settings
from lever_pipeline_tests.defs.conftest import warehouse_resource  # noqa: F401  (shared fixture)

T = TypeVar("T")
ALL_KINDS = ("feedback", "note", "add_tags", "remove_tags", "stage_change", "archive", "file")


def lever_for(sandbox: Any) -> SandboxLeverResource:
    return SandboxLeverResource(api_key=sandbox.api_key, base_url=sandbox.base_url, requests_per_second=400, burst=20)


def sync_users(sandbox: Any, warehouse: WarehouseResource) -> None:
    """Materialize the users asset from `sandbox`: perform_as is resolved through this table."""
    result = dg.materialize(
        [users],
        resources={"lever": lever_for(sandbox), "warehouse": warehouse},
        run_config=dg.RunConfig(ops={users.op.name: {"config": {"full_refresh": True}}}),
    )
    assert result.success


def api(sandbox: Any, path: str, **params: Any) -> Any:
    r = httpx.get(f"{sandbox.base_url}{path}", params={"limit": 100, **params}, auth=(sandbox.api_key, ""))
    r.raise_for_status()
    return r.json()["data"]


def valid_value(f: dict[str, Any]) -> Any:
    """A value Lever accepts for field `f`."""
    t = f["type"]
    options = [o["text"] for o in f.get("options") or []]
    return {
        "code": lambda: "print(1)",
        "text": lambda: "ok",
        "textarea": lambda: "fine",
        "currency": lambda: 1000,
        "date": lambda: 1_700_000_000_000,
        "dropdown": lambda: options[0],
        "multiple-choice": lambda: options[0],
        "score-system": lambda: options[0],
        "multiple-select": lambda: options[:1],
        "score": lambda: options[0] if options else 3,
        "scorecard": lambda: [{"score": 3, "comment": "ok"} for _ in f.get("scores") or []],
        "yes-no": lambda: "yes",
    }[t]()


def valid_values(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": f["id"], "value": valid_value(f)} for f in template["fields"]]


@dataclass
class Clock:
    """A settable clock for backoff (the database's own timestamps stay real)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class World:
    """One reset sandbox with users synced into the test database."""

    sandbox: Any
    engine: sa.Engine
    warehouse: WarehouseResource
    templates: list[dict[str, Any]]
    users: list[dict[str, Any]]
    opportunities: list[dict[str, Any]]

    def template(self, *types: str) -> dict[str, Any]:
        """A template having fields of every type in `types` (and at least one required field)."""
        for t in self.templates:
            have = {f["type"] for f in t["fields"]}
            if set(types) <= have and any(f["required"] for f in t["fields"]):
                return t
        raise AssertionError(f"no sandbox template has fields of types {types}")

    def active_user(self, n: int = 0) -> dict[str, Any]:
        return [u for u in self.users if u.get("email") and not u.get("deactivatedAt")][n]

    def opportunity(self, n: int = 0) -> str:
        return self.opportunities[n]["id"]

    def run(self, body: Callable[[LeverClient], Awaitable[T]], sandbox: Any = None) -> T:
        sb = sandbox or self.sandbox

        async def go() -> T:
            # The production factory (shared limiter), faster than Lever allows: the sandbox limits nothing.
            async with open_lever_client(
                sandbox_settings(sb), self.engine, requests_per_second=400, burst=20
            ) as client:
                return await body(client)

        return asyncio.run(go())

    def send(self, kinds: tuple[str, ...] = ALL_KINDS, sandbox: Any = None, **options: Any) -> WritebackResult:
        opts = WritebackOptions(**options)
        return self.run(lambda c: send_pending(c, self.engine, kinds, opts), sandbox)

    def scalar(self, query: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(query), params).scalar_one()


def make_world(sandbox: Any, engine: sa.Engine, warehouse: WarehouseResource) -> World:
    sandbox.reset()
    sync_users(sandbox, warehouse)
    opps = [o for o in api(sandbox, "/opportunities") if not o.get("archived")]
    return World(sandbox, engine, warehouse, api(sandbox, "/feedback_templates"), api(sandbox, "/users"), opps)


@pytest.fixture
def world(sandbox: Any, clean_engine: sa.Engine, warehouse_resource: WarehouseResource) -> World:  # noqa: F811
    return make_world(sandbox, clean_engine, warehouse_resource)
