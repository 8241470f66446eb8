"""Dagster's handles on the Lever client and the warehouse: configuration plus a factory.

Behaviour lives in `lever/` and `warehouse/`; these classes only build those objects
from run configuration. Secrets arrive through `dg.EnvVar` in `definitions.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.settings import get_settings
from lever_pipeline.warehouse.connect import open_warehouse
from lever_pipeline.warehouse.ratelimit_store import shared_limiter


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse; empty `url` means the embedded server under `home`."""

    url: str = ""
    home: str = ""

    def engine(self) -> Engine:
        settings = get_settings()
        home = Path(self.home) if self.home else settings.lever_pipeline_home
        return open_warehouse(self.url or settings.warehouse_url, home)


class LeverResource(dg.ConfigurableResource):
    """Lever's v1 API, rate-limited by a token bucket every process using the key shares."""

    api_key: str
    base_url: str = ""
    requests_per_second: float = 0.0
    burst: int = 0
    max_concurrency: int = 16
    timeout_s: float = 30.0

    @asynccontextmanager
    async def client(self, engine: Engine) -> AsyncIterator[LeverClient]:
        """A client whose limiter lives in `engine`'s database (shared across processes)."""
        settings = get_settings()
        rate = self.requests_per_second or settings.lever_rate_limit_per_second
        burst = self.burst or settings.lever_rate_limit_burst
        limiter = shared_limiter(engine, self.api_key, rate=rate, burst=burst)
        async with LeverClient(
            self.api_key,
            self.base_url or settings.base_url,
            requests_per_second=rate,
            burst=burst,
            limiter=limiter,
            max_concurrency=self.max_concurrency,
            timeout=self.timeout_s,
        ) as client:
            yield client
