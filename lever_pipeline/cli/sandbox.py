"""`lever-pipeline sandbox`: serve the Lever sandbox in the foreground."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from lever_pipeline.cli.runtime import require_free_port, take_signals
from lever_pipeline.sandbox.config import (
    DEFAULT_API_KEY,
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    DEFAULT_WEBHOOK_TOKEN,
    SandboxConfig,
)


def _webhook_tokens(values: list[str]) -> tuple[dict[str, str], str]:
    per_event: dict[str, str] = {}
    default = DEFAULT_WEBHOOK_TOKEN
    for v in values:
        event, sep, token = v.partition("=")
        if not sep:
            default = v
        elif not event or not token:
            raise typer.BadParameter(f"expected EVENT=TOKEN or TOKEN, got {v!r}", param_hint="--webhook-token")
        else:
            per_event[event] = token
    return per_event, default


def sandbox_command(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic account (same seed, same bytes).")] = 7,
    opportunities: Annotated[int, typer.Option(help="Number of opportunities (up to 100,000 and more).")] = 500,
    api_key: Annotated[
        str, typer.Option("--api-key", help="The API key accepted as Basic-auth username (empty password).")
    ] = DEFAULT_API_KEY,
    rate_limit: Annotated[float, typer.Option(help="Requests/s per key (Lever: 10); 0 disables limiting.")] = 10.0,
    burst: Annotated[int, typer.Option(help="Token-bucket capacity (Lever: 20).")] = 20,
    latency_ms: Annotated[float, typer.Option(help="Mean added latency per request, with jitter; 0 disables.")] = 80.0,
    retry_after_header: Annotated[
        bool, typer.Option("--retry-after-header", help="Send Retry-After on 429s (Lever documents none).")
    ] = False,
    fault_rate: Annotated[float, typer.Option(help="Share of requests given a seeded fault: 500/503/hang/drop.")] = 0.0,
    write_fault: Annotated[
        str | None,
        typer.Option(help="'commit-then-500': apply writes, then answer 500 (on a fault-rate share, or always)."),
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where every event is delivered; '{event}' in it becomes the event type.")
    ] = None,
    webhook_token: Annotated[
        list[str] | None,
        typer.Option(help="EVENT=TOKEN signature token for one event type (repeatable); a bare TOKEN is the default."),
    ] = None,
    activity: Annotated[float, typer.Option(help="Background mutations per second (0: none).")] = 0.0,
    access_token_ttl: Annotated[
        float,
        typer.Option("--access-token-ttl", metavar="SECONDS", help="Lifetime of OAuth access tokens (Lever: 3600)."),
    ] = 3600.0,
    oauth_client_id: Annotated[
        str, typer.Option("--oauth-client-id", help="Client id of the OAuth partner app the sandbox knows.")
    ] = DEFAULT_OAUTH_CLIENT_ID,
    oauth_client_secret: Annotated[
        str, typer.Option("--oauth-client-secret", help="That app's client secret.")
    ] = DEFAULT_OAUTH_CLIENT_SECRET,
) -> None:
    """Serve a local Lever v1 API; point any Lever client at the printed base URL.

    Deterministic data from a seed, Lever's envelopes, auth (API key or OAuth), rate limit,
    latency, faults and signed webhooks. Ctrl-C or SIGTERM stops it.
    """
    from lever_pipeline.sandbox.server import serve

    take_signals()
    require_free_port(port, host, "the sandbox", "--port")
    per_event, default_token = _webhook_tokens(webhook_token or [])
    try:
        config = SandboxConfig(
            seed=seed,
            opportunities=opportunities,
            api_key=api_key,
            rate_limit=rate_limit,
            burst=burst,
            latency_ms=latency_ms,
            retry_after_header=retry_after_header,
            fault_rate=fault_rate,
            write_fault=write_fault,
            webhook_url=webhook_url,
            webhook_tokens=per_event,
            webhook_token=default_token,
            activity=activity,
            oauth_client_id=oauth_client_id,
            oauth_client_secret=oauth_client_secret,
            access_token_ttl_s=access_token_ttl,
        )
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    typer.echo(f"Lever sandbox: {opportunities:,} opportunities from seed {seed}; generating...")
    typer.echo(f"  base URL  http://{host}:{port}/v1")
    typer.echo(f"  API key   {api_key}   (curl -u {api_key}: http://{host}:{port}/v1/stages)")
    typer.echo(
        f"  OAuth     client {oauth_client_id}: http://{host}:{port}/authorize, http://{host}:{port}/oauth/token"
    )
    typer.echo(f"  control   http://{host}:{port}/_sandbox/stats")
    if webhook_url:
        typer.echo(f"  webhooks  {webhook_url}")
    # SIGTERM or Ctrl-C arrives as KeyboardInterrupt after uvicorn's graceful shutdown: the normal way to stop.
    with contextlib.suppress(KeyboardInterrupt):
        serve(config, host, port)
    typer.echo("Lever sandbox stopped")
