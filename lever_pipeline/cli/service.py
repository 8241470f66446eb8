"""`lever-pipeline serve` and `lever-pipeline webhooks register|list|delete`.

`serve` migrates the warehouse, then runs the service under uvicorn (one process per
worker). `webhooks` manages the account's webhooks through Lever's webhook API: `register`
creates one webhook per event type pointing at this service and prints the signature
tokens to configure (Lever shows a token only when the webhook is created). Its calls
draw on the same rate-limit bucket in the warehouse as every other process using the key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from lever_pipeline.analytics.words import plural
from lever_pipeline.cli.errors import CONFIG_ERROR, RUN_FAILED
from lever_pipeline.cli.runtime import claim_account, open_engine, require_free_port, settings_or_exit
from lever_pipeline.lever import webhooks as lever_webhooks
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverError
from lever_pipeline.lever.webhook_signature import LEVER_EVENTS
from lever_pipeline.lever.webhooks import ORIGINS, Webhook
from lever_pipeline.settings import Settings

T = TypeVar("T")

#: Events whose webhooks Lever lets you restrict by candidate origin (REFERENCE.md §5).
ORIGIN_EVENTS = ("applicationCreated", "candidateHired", "candidateStageChange", "candidateArchiveChange")
RECEIVER_PATH = "/webhooks/lever/{event}"


def serve_command(
    host: Annotated[
        str, typer.Option(help="Interface to listen on (put a TLS proxy in front for Lever).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes (about one per core).")] = 1,
) -> None:
    """Run the webhook receiver and read API (FastAPI on uvicorn); OpenAPI docs at /docs.

    SIGTERM or Ctrl-C stops it gracefully; the embedded PostgreSQL stops with it when no
    other process uses it.
    """
    from lever_pipeline.service.server import serve

    settings = settings_or_exit()
    # Migrate once here, so worker processes start on an up-to-date schema (and this
    # process keeps the embedded server up while they run); refuse a warehouse that
    # mirrors another account before any worker starts.
    claim_account(open_engine(settings), settings, None)
    require_free_port(port, host, "the service", "--port")
    if settings.service_api_token is None:
        typer.echo("warning: SERVICE_API_TOKEN is not set; the read API will refuse every request", err=True)
    if not settings.lever_webhook_tokens and settings.lever_webhook_secret is None:
        typer.echo(
            "warning: no webhook signature tokens (LEVER_WEBHOOK_TOKENS); every delivery will be refused", err=True
        )
    typer.echo(f"lever-pipeline service on http://{host}:{port} ({plural(workers, 'worker')}); docs at /docs")
    serve(host, port, workers)
    typer.echo("lever-pipeline service stopped")


webhooks_app = typer.Typer(
    help="Manage the Lever account's webhooks (register this service, list, delete).", no_args_is_help=True
)


def _run(settings: Settings, work: Callable[[LeverClient], Awaitable[T]]) -> T:
    """Run `work` with the deployment's client, on the rate limit every process using the key shares."""
    if settings.uses_sandbox and settings.lever_base_url is None:
        typer.echo(
            "error: set LEVER_API_KEY or LEVER_OAUTH_CLIENT_ID (or LEVER_BASE_URL to a running sandbox).", err=True
        )
        raise typer.Exit(CONFIG_ERROR)
    from lever_pipeline.account.client import open_lever_client

    engine = open_engine(settings)

    async def go() -> T:
        async with open_lever_client(settings, engine) as client:
            return await work(client)

    try:
        return asyncio.run(go())
    except LeverError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(RUN_FAILED) from None


def receiver_url(url: str, event: str) -> str:
    """Where Lever should post `event`: `url` with "{event}" filled in, else `url` + /webhooks/lever/<event>."""
    if "{event}" in url:
        return url.replace("{event}", event)
    return url.rstrip("/") + RECEIVER_PATH.format(event=event)


@webhooks_app.command("register")
def register(
    url: Annotated[
        str, typer.Option(help='The service\'s public https URL (the event path is appended), or one with "{event}".')
    ],
    events: Annotated[
        list[str] | None, typer.Option("--events", "-e", help="Event types (repeat); default: every Lever event.")
    ] = None,
    origins: Annotated[
        list[str] | None, typer.Option("--origin", help="Restrict origin-configurable events to these origins.")
    ] = None,
) -> None:
    """Create one webhook per event type and print the signature tokens to put in LEVER_WEBHOOK_TOKENS."""
    chosen = list(dict.fromkeys(events or sorted(LEVER_EVENTS)))
    unknown = [e for e in chosen if e not in LEVER_EVENTS]
    bad_origins = [o for o in origins or [] if o not in ORIGINS]
    if unknown or bad_origins:
        what = ", ".join(unknown) or ", ".join(bad_origins)
        allowed = ", ".join(sorted(LEVER_EVENTS)) if unknown else ", ".join(ORIGINS)
        typer.echo(f"error: unknown {'event' if unknown else 'origin'} {what}; choose from {allowed}", err=True)
        raise typer.Exit(2)

    async def work(client: LeverClient) -> list[Webhook]:
        return [
            await lever_webhooks.create_webhook(
                client, receiver_url(url, event), event, origins=origins if origins and event in ORIGIN_EVENTS else None
            )
            for event in chosen
        ]

    created = _run(settings_or_exit(), work)
    tokens = {}
    for hook in created:
        token = hook.configuration.signature_token if hook.configuration else None
        tokens[hook.event] = token.get_secret_value() if token else ""
        typer.echo(f"{hook.id}  {hook.event:<24} {hook.url}")
    typer.echo("")
    typer.echo("Lever shows these signature tokens only now. Put them in the service's environment:")
    typer.echo(f"LEVER_WEBHOOK_TOKENS='{json.dumps(tokens)}'")
    typer.echo("A Super Admin may still need to switch the webhook event groups on in Lever's settings.")


@webhooks_app.command("list")
def list_webhooks() -> None:
    """Print the account's webhooks (Lever never returns their tokens after creation)."""
    hooks = _run(settings_or_exit(), lever_webhooks.list_webhooks)
    if not hooks:
        typer.echo("no webhooks")
        return
    for hook in hooks:
        conditions = (hook.configuration.conditions if hook.configuration else None) or {}
        origins = conditions.get("origins")
        shown = f"  origins={','.join(origins)}" if origins else ""
        typer.echo(f"{hook.id}  {hook.event or '?':<24} {hook.url}{shown}")


@webhooks_app.command("delete")
def delete_webhooks(
    ids: Annotated[list[str] | None, typer.Argument(help="Webhook ids to delete.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Delete every webhook created through the API.")] = False,
) -> None:
    """Delete webhooks by id (or all of them); Lever only lets API-created webhooks be deleted."""
    if not ids and not all_:
        typer.echo("error: give webhook ids, or --all", err=True)
        raise typer.Exit(2)

    async def work(client: LeverClient) -> list[str]:
        targets = list(ids or [])
        if all_:
            targets += [h.id for h in await lever_webhooks.list_webhooks(client) if h.id not in targets]
        for hook_id in targets:
            await lever_webhooks.delete_webhook(client, hook_id)
        return targets

    for hook_id in _run(settings_or_exit(), work):
        typer.echo(f"deleted {hook_id}")
