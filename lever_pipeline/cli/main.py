"""The `lever-pipeline` command: set-up, inspection, and the processes the project runs.

Every sub-command reads the settings first, so a bad variable fails with one line
before anything starts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from lever_pipeline.settings import PROJECT_ROOT, Settings, SettingsError, get_settings

app = typer.Typer(
    help="Keep a PostgreSQL warehouse in sync with Lever, and write reviewed results back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None


def _engine(settings: Settings):
    from lever_pipeline.warehouse.connect import open_warehouse

    return open_warehouse(settings.warehouse_url, settings.lever_pipeline_home)


@app.command()
def migrate() -> None:
    """Bring the warehouse schema up to date (Alembic migrations; safe to repeat)."""
    from lever_pipeline.warehouse import migrate as migrations
    from lever_pipeline.warehouse.engine import create_warehouse_engine, safe_url, warehouse_url

    settings = _settings()
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    applied = migrations.upgrade(create_warehouse_engine(url))
    typer.echo(f"warehouse {safe_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")] = False,
) -> None:
    """Print each warehouse table with its row count, and each stream's last successful sync."""
    from lever_pipeline.sync.status import warehouse_status

    result = warehouse_status(_engine(_settings()))
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    typer.echo(render_status(result))


def render_status(result) -> str:
    """The status as an aligned text table."""
    width = max([len(t.table) for t in result.tables] + [5])
    lines = [f"{'table':<{width}}  {'rows':>9}"]
    lines += [f"{t.table:<{width}}  {t.rows:>9,}" for t in result.tables]
    if result.streams:
        lines += ["", f"{'stream':<{width}}  last successful sync (UTC)   high-water mark"]
        for s in result.streams:
            last = s.last_success_at.strftime("%Y-%m-%d %H:%M:%S") if s.last_success_at else "never"
            mark = s.high_water_mark.strftime("%Y-%m-%d %H:%M:%S") if s.high_water_mark else "-"
            lines.append(f"{s.stream:<{width}}  {last:<27}  {mark}")
    else:
        lines += ["", "no stream has synced yet"]
    return "\n".join(lines)


@contextmanager
def lever_endpoint(settings: Settings, **sandbox_overrides: object) -> Iterator[dict[str, str]]:
    """Environment naming the Lever API to use: the configured one, or a sandbox started here.

    With a `webhook_url`, the sandbox signs its deliveries with its own token and the
    environment tells the service to expect it (LEVER_WEBHOOK_SECRET).
    """
    if not settings.uses_sandbox:
        yield {}
        return
    from lever_pipeline.sandbox.config import SandboxConfig
    from lever_pipeline.sandbox.server import run_sandbox_in_thread

    config = SandboxConfig(**sandbox_overrides)  # type: ignore[arg-type]
    with run_sandbox_in_thread(config) as sandbox:
        typer.echo(f"Lever sandbox at {sandbox.base_url} ({config.opportunities} opportunities, seed {config.seed})")
        env = {"LEVER_BASE_URL": sandbox.base_url, "LEVER_API_KEY": sandbox.api_key}
        if config.webhook_url:
            env["LEVER_WEBHOOK_SECRET"] = config.webhook_token
            typer.echo(f"  signed webhooks -> {config.webhook_url}")
        yield env
        env["stats"] = sandbox.stats()  # type: ignore[assignment]


@app.command()
def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface the UI listens on.")] = "127.0.0.1",
    service_port: Annotated[int, typer.Option(help="Port of the webhook service started alongside.")] = 8000,
    activity: Annotated[
        float, typer.Option(help="Sandbox only: random opportunity changes per second, sent as signed webhooks.")
    ] = 0.5,
) -> None:
    """Start the Dagster UI and daemon on the project's instance, plus the webhook service.

    With no LEVER_API_KEY a sandbox runs too, changing opportunities live and delivering
    signed webhooks to the service, so the sensor's refresh runs show up in the UI.
    """
    from lever_pipeline.cli.runtime import dagster_environment
    from lever_pipeline.warehouse.engine import warehouse_url

    _take_signals()
    settings = _settings()
    _engine(settings)  # schema up to date, and this process keeps the embedded server up
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    hooks = f"http://127.0.0.1:{service_port}/webhooks/lever/{{event}}"
    with lever_endpoint(settings, activity=activity, webhook_url=hooks) as lever_env:
        env = {**os.environ, **dagster_environment(settings, url), **lever_env}
        service = subprocess.Popen(
            [sys.executable, "-m", "lever_pipeline.cli", "serve", "--port", str(service_port)],
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        cmd = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            host,
            "-p",
            str(port),
        ]
        typer.echo(f"Webhook service on http://127.0.0.1:{service_port} (OpenAPI at /docs)")
        typer.echo(f"Dagster UI on http://{host}:{port} (Ctrl-C stops everything)")
        try:
            _run_foreground(cmd, env)
        finally:
            os.killpg(service.pid, signal.SIGINT)
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)


@app.command()
def demo(
    opportunities: Annotated[
        int,
        typer.Option(
            help="Size of the sandbox account (when no LEVER_API_KEY is set). Each opportunity costs about six"
            " requests at 8/s for its feedback, interviews, notes, resumes, files and offers, so the default"
            " keeps the first run within two minutes."
        ),
    ] = 50,
) -> None:
    """Run the whole sync through Dagster (sandbox + embedded PostgreSQL by default), then print a summary."""
    from lever_pipeline.cli.demo import run_demo
    from lever_pipeline.sync.status import warehouse_status

    settings = _settings()
    engine = _engine(settings)
    with lever_endpoint(settings, opportunities=opportunities) as lever_env:
        api_key = lever_env.get("LEVER_API_KEY") or settings.lever_api_key.get_secret_value()  # type: ignore[union-attr]
        base_url = lever_env.get("LEVER_BASE_URL") or settings.base_url
        result = run_demo(settings, engine, api_key, base_url, typer.echo)
    sandbox_stats = lever_env.get("stats")  # filled in as the sandbox stops
    typer.echo("")
    typer.echo("\n".join(result.summaries))
    typer.echo("")
    typer.echo(render_status(warehouse_status(engine)))
    typer.echo("")
    typer.echo(
        f"{'incremental' if result.incremental else 'full'} sync {'succeeded' if result.success else 'FAILED'} "
        f"in {result.wall_s:.1f} s: {result.requests:,} Lever requests, {result.rate_limited_429} answered 429"
        + (f" (sandbox saw peak {sandbox_stats['peak_requests_1s']} requests in one second)" if sandbox_stats else "")
    )
    typer.echo("Next: `make dev` opens the Dagster UI on these runs; `make demo` again runs incrementally.")
    if not result.success:
        raise typer.Exit(1)


@app.command("deploy-local")
def deploy_local(
    ui_port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    service_port: Annotated[int, typer.Option(help="Port of the webhook service.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Celery worker processes.")] = 2,
) -> None:
    """Run the production process picture here: gRPC code server, webserver, daemon, Celery workers, service.

    Needs RabbitMQ (LEVER_CELERY_BROKER_URL, default 127.0.0.1:5672) and Redis
    (LEVER_CELERY_BACKEND_URL, default 127.0.0.1:6379); refuses to start without them.
    Launch the `lever_sync_on_celery` job from the UI to run steps on the workers. Ctrl-C stops all.
    """
    import importlib.util

    from lever_pipeline.cli import deploy as local
    from lever_pipeline.cli.runtime import dagster_environment
    from lever_pipeline.deploy.celery_worker import DEFAULT_BACKEND, DEFAULT_BROKER, write_worker_config
    from lever_pipeline.warehouse.engine import warehouse_url

    _take_signals()
    settings = _settings()
    broker = os.environ.get("LEVER_CELERY_BROKER_URL", DEFAULT_BROKER)
    backend = os.environ.get("LEVER_CELERY_BACKEND_URL", DEFAULT_BACKEND)
    try:
        local.require_tcp(
            "RabbitMQ (Celery broker)", broker, "Start it (rabbitmq-server -detached) or set LEVER_CELERY_BROKER_URL."
        )
        local.require_tcp(
            "Redis (Celery results)",
            backend,
            "Start it (redis-server --daemonize yes) or set LEVER_CELERY_BACKEND_URL.",
        )
        if settings.warehouse_url:
            local.require_tcp("PostgreSQL (WAREHOUSE_URL)", settings.warehouse_url, "Start it or fix WAREHOUSE_URL.")
    except local.ServiceUnreachable as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    _engine(settings)
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    config_dir = write_worker_config(settings.lever_pipeline_home, broker, backend)
    service = importlib.util.find_spec("lever_pipeline.cli.service") is not None
    hooks = f"http://127.0.0.1:{service_port}/webhooks/lever/{{event}}" if service else None
    with lever_endpoint(settings, activity=0.2, webhook_url=hooks) as lever_env:
        env = {
            **os.environ,
            **dagster_environment(settings, url),
            **lever_env,
            "LEVER_CELERY_BROKER_URL": broker,
            "LEVER_CELERY_BACKEND_URL": backend,
            "PYTHONPATH": os.pathsep.join(p for p in (str(config_dir), os.environ.get("PYTHONPATH", "")) if p),
        }
        procs = local.plan(env, ui_port=ui_port, service_port=service_port, workers=workers, service=service)
        local.start(procs, typer.echo)
        typer.echo(f"Dagster UI on http://127.0.0.1:{ui_port}; run `lever_sync_on_celery` there. Ctrl-C stops all.")
        code = local.supervise(procs, typer.echo)
    raise typer.Exit(code)


def _run_foreground(cmd: list[str], env: dict[str, str]) -> None:
    """Run `cmd` until it exits or we are interrupted, then stop its whole process group."""
    # `dagster dev` ignores SIGTERM in a non-interactive background shell; give it its own
    # process group and stop the whole group, so no webserver or daemon is left behind.
    proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True)
    try:
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or one forwarded by `uv run`) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _take_signals() -> None:
    """Make Ctrl-C and `kill` stop this process (and so its children) cleanly.

    A background job of a non-interactive shell starts with SIGINT ignored, which Python
    and every child would inherit; restoring the handler here also gives children the
    default disposition, so the SIGINT sent to their process groups reaches them.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _as_interrupt)


def _register_optional_commands() -> None:
    from lever_pipeline.cli.sandbox import sandbox_command

    app.command("sandbox")(sandbox_command)
    from lever_pipeline.cli.writeback import drafts_app, outbox_app

    app.add_typer(drafts_app, name="drafts")
    app.add_typer(outbox_app, name="outbox")
    from lever_pipeline.cli.service import serve_command, webhooks_app

    app.command("serve")(serve_command)
    app.add_typer(webhooks_app, name="webhooks")


def main() -> None:
    """Console-script entry point."""
    _register_optional_commands()
    app()


if __name__ == "__main__":
    main()
