"""Dagster's handles on the Lever client and the warehouse: configuration plus a factory.

Behaviour lives in `account/`, `lever/` and `warehouse/`; these classes only build those
objects. Which account (key, base URL) is the settings' decision, read when a run
launches: no secret is Dagster configuration, so none shows in the UI or in run config.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.settings import Settings, get_settings
from lever_pipeline.warehouse.connect import open_warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse; empty `url` means the embedded server under `home`."""

    url: str = ""
    home: str = ""

    def engine(self) -> Engine:
        settings = get_settings()
        home = Path(self.home) if self.home else settings.lever_pipeline_home
        return open_warehouse(self.url or settings.warehouse_url, home)


class LeverResource(dg.ConfigurableResource):
    """Lever's v1 API for the configured account, on the token bucket every process using the key shares.

    Unset fields take the settings' values (LEVER_BASE_URL or the region's root,
    LEVER_RATE_LIMIT_PER_SECOND, LEVER_RATE_LIMIT_BURST); `base_url` names a sandbox
    started for one run (`demo`).
    """

    base_url: str = ""
    requests_per_second: float | None = None
    burst: int | None = None
    max_concurrency: int = 16
    timeout_s: float = 30.0

    def settings(self) -> Settings:
        """The settings naming the account, read at launch (never at import)."""
        return get_settings()

    @asynccontextmanager
    async def client(self, engine: Engine) -> AsyncIterator[LeverClient]:
        """A client whose limiter lives in `engine`'s database (shared across processes)."""
        async with open_lever_client(
            self.settings(),
            engine,
            base_url=self.base_url or None,
            requests_per_second=self.requests_per_second,
            burst=self.burst,
            max_concurrency=self.max_concurrency,
            timeout=self.timeout_s,
        ) as client:
            yield client
