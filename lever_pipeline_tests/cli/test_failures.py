"""Every failure of a `lever-pipeline` command is one line on stderr, exit 2 for configuration,
1 for a failed run; `--verbose` adds the traceback (real processes)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.account.guard import LeverAccount, ensure_account
from lever_pipeline.cli.errors import describe
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.warehouse.engine import create_warehouse_engine
from lever_pipeline_tests.cli.support import cli_env, free_port, run_cli

PASSWORD = "hunter2-not-for-logs"


def _closed_warehouse() -> str:
    return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/lever"


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def _commands() -> list[list[str]]:
    ui, service, sandbox = (str(free_port()) for _ in range(3))
    return [
        ["status"],
        ["migrate"],
        ["serve", "--port", service],
        ["demo"],
        ["dev", "--port", ui, "--service-port", service],
        ["drafts", "list"],
        ["outbox", "list"],
        ["webhooks", "list"],
        ["reset", "--yes"],
        ["psql"],
        ["deploy-local", "--ui-port", ui, "--service-port", service],
        ["sandbox", "--port", sandbox, "--opportunities", "5"],
    ]


@pytest.mark.parametrize(
    "command", _commands(), ids=lambda c: c[0] if c[0] not in ("drafts", "outbox") else " ".join(c)
)
def test_cli_unreachable_warehouse_is_one_line_naming_the_variable(command: list[str], tmp_path: Path) -> None:
    env = cli_env(WAREHOUSE_URL=_closed_warehouse(), LEVER_PIPELINE_HOME=str(tmp_path), LEVER_API_KEY="k")
    if command[0] == "sandbox":  # needs no warehouse: its failure is the port already taken
        with socket.create_server(("127.0.0.1", int(command[2]))):
            result = run_cli(*command, env=env)
        assert result.returncode == 2
        assert f"port {command[2]}" in _one_error_line(result) and "--port" in result.stderr
        return
    result = run_cli(*command, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    line = _one_error_line(result)
    if command[0] == "deploy-local" and "WAREHOUSE_URL" not in line:  # RabbitMQ, Redis or gRPC port missing here
        assert "not reachable" in line or "port 4266" in line
        return
    assert "WAREHOUSE_URL=postgresql://postgres:***@127.0.0.1" in line and "Connection refused" in line
    assert PASSWORD not in result.stdout + result.stderr
    assert "Next:" not in result.stdout


@pytest.fixture
def missing_database(server_url: URL) -> str:
    return server_url.set(drivername="postgresql", database=f"lever_missing_{uuid.uuid4().hex[:8]}").render_as_string(
        hide_password=False
    )


def test_cli_missing_database_is_one_line_and_verbose_adds_the_traceback(missing_database: str) -> None:
    env = cli_env(WAREHOUSE_URL=missing_database)
    name = missing_database.rsplit("/", 1)[1].split("?")[0]
    result = run_cli("status", env=env)
    assert result.returncode == 2
    assert f'the warehouse database "{name}" does not exist' in _one_error_line(result)
    verbose = run_cli("status", "--verbose", env=env)
    assert verbose.returncode == 2
    assert "Traceback" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == result.stderr.strip()


def test_cli_missing_dbt_manifest_is_a_configuration_error() -> None:
    from lever_pipeline.defs.dbt import DbtManifestMissing

    message, code = describe(
        DbtManifestMissing("dbt_models/target/manifest.json does not exist. Run `make dbt-prepare`")
    )
    assert code == 2 and message.startswith("dbt manifest missing: ") and "make dbt-prepare" in message


def test_cli_unexpected_error_is_one_line_pointing_at_verbose() -> None:
    message, code = describe(ZeroDivisionError("division by zero\nsecond line"))
    assert code == 1 and message == "ZeroDivisionError: division by zero (run with --verbose for the traceback)"


@pytest.fixture
def fresh_database(server_url: URL) -> Iterator[URL]:
    """An empty database of its own (Dagster's instance tables land in it too), dropped afterwards."""
    name = f"lever_cli_{uuid.uuid4().hex[:10]}"
    admin = {
        k: v
        for k, v in {
            "dbname": "postgres",
            "user": server_url.username or "postgres",
            "password": server_url.password,
            "host": server_url.query.get("host") or server_url.host,
            "port": server_url.port,
        }.items()
        if v is not None
    }
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield server_url.set(database=name)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_cli_serve_refuses_a_warehouse_of_another_account(fresh_database: URL, sandbox: RunningSandbox) -> None:
    engine: Engine = create_warehouse_engine(fresh_database)
    from lever_pipeline.warehouse.migrate import upgrade

    upgrade(engine)
    ensure_account(engine, LeverAccount.of("https://api.lever.co/v1", "the-other-accounts-key"))
    engine.dispose()
    env = cli_env(
        WAREHOUSE_URL=fresh_database.render_as_string(hide_password=False),
        LEVER_API_KEY=sandbox.api_key,
        LEVER_BASE_URL=sandbox.base_url,
    )
    result = run_cli("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 2
    line = _one_error_line(result)
    assert "mirrors the Lever account api.lever.co" in line and "lever-pipeline reset --yes" in line
    assert "the-other-accounts-key" not in line


def test_cli_demo_failed_step_ends_the_output_with_its_name_and_reason(
    fresh_database: URL, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = cli_env(
        WAREHOUSE_URL=fresh_database.render_as_string(hide_password=False),
        LEVER_API_KEY="a-key-lever-rejects",
        LEVER_BASE_URL=sandbox.base_url,
        LEVER_PIPELINE_HOME=str(tmp_path),
    )
    result = run_cli("demo", env=env, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Next:" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "lever/stages" in result.stdout and "FAILED" in result.stdout  # the step's own line, as it ended
    last = result.stderr.strip().splitlines()
    header = next(i for i, line in enumerate(last) if "sync FAILED after" in line)
    reasons = last[header + 1 :]
    assert reasons and all(line.startswith("  lever__") for line in reasons), last
    assert any(line.startswith("  lever__stages: ") and "401" in line and "LEVER_API_KEY" in line for line in reasons)
    log = Path(last[header].split("Full log: ")[1])
    assert log.parent == tmp_path / "logs" and "\x1b[" not in log.read_text()


def test_cli_embedded_server_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("a file where the data folder should be")
    result = run_cli("status", env=cli_env(LEVER_PIPELINE_HOME=str(home)))
    assert result.returncode == 2
    line = _one_error_line(result)
    assert f"the embedded PostgreSQL in {home}/pg did not start" in line and "WAREHOUSE_URL" in line
