"""The service's FastAPI app: the webhook receiver, `/health`, the read API and the write-back routes.

`create_app(settings, engine)` takes everything it needs as arguments (no environment
read, no connection opened at import); called bare it reads the settings and opens the
configured warehouse, which is what `app_from_environment`, uvicorn's factory, does.
One Lever client per app (opened with the app, closed with it) serves the template
cache and the write-back routes, on the rate limit every process shares.
Every error answers one JSON shape (`service.errors.ErrorBody`): bad input is a 400 naming
the field, never FastAPI's 422 or a 500; an unexpected exception is a 500 with a request id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.service import automation, ops, reads, slack, webhooks, writeback
from lever_pipeline.service.errors import SafetyNet, error_responses, http_error, validation_error
from lever_pipeline.settings import Settings, get_settings
from lever_pipeline.sync.template_store import WarehouseTemplateStore
from lever_pipeline.webhooks.event_writer import EventWriter, libpq_conninfo
from lever_pipeline.webhooks.events import webhook_health

#: Connections per worker process for storing webhook events (PostgreSQL group-commits their writes).
EVENT_WRITER_CONNECTIONS = 8

DESCRIPTION = """\
Receives Lever's signed webhooks (`POST /webhooks/lever/{event_type}`) and serves the
warehouse's candidates and feedback templates. Read and write-back routes need
`Authorization: Bearer $SERVICE_API_TOKEN`; `/health` and the webhook route do not.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The service for these settings on this (migrated) warehouse engine.

    Defaults: `get_settings()`, and the configured warehouse opened (and migrated) now.
    """
    if settings is None:
        settings = get_settings()
    if engine is None:
        from lever_pipeline.warehouse.connect import open_warehouse

        engine = open_warehouse(settings.warehouse_url, settings.lever_pipeline_home)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer = EventWriter(libpq_conninfo(engine.url), size=EVENT_WRITER_CONNECTIONS)
        app.state.event_writer = writer
        try:
            async with open_lever_client(settings, engine) as client:
                app.state.lever = client
                yield
        finally:
            await writer.close()

    app = FastAPI(
        title="lever-pipeline service",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.template_store = WarehouseTemplateStore(engine)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(SafetyNet)

    @app.get(
        "/health",
        tags=["health"],
        summary="Warehouse reachable, webhook progress",
        responses={
            503: {"description": 'The warehouse is unreachable: `{"status": "unavailable", ...}`.'},
            **error_responses(),
        },
    )
    async def health() -> JSONResponse:
        """Warehouse reachability, the last event received and the oldest unprocessed event's age."""
        try:
            h = await run_in_threadpool(webhook_health, engine)
        except DBAPIError:
            return JSONResponse(
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                content={"status": "unavailable", "warehouse": "unreachable"},
            )
        body: dict[str, Any] = {
            "status": "ok",
            "warehouse": "reachable",
            "last_event_received_at": h.last_received_at.isoformat() if h.last_received_at else None,
            "oldest_unprocessed_event_age_s": h.oldest_unprocessed_age_s,
            "unprocessed_events": h.unprocessed,
        }
        return JSONResponse(body)

    app.include_router(webhooks.router)
    app.include_router(reads.router)
    app.include_router(writeback.router)
    app.include_router(automation.router)
    app.include_router(slack.router)
    app.include_router(ops.router)
    return app


def app_from_environment() -> FastAPI:
    """The app on the configured warehouse (migrated first); uvicorn's factory for each worker."""
    return create_app()
