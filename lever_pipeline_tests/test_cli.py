"""Every command of `lever-pipeline` explains itself in --help."""

import pytest
from typer.testing import CliRunner

from lever_pipeline.cli.main import app

runner = CliRunner()

COMMANDS = [
    ["migrate"],
    ["status"],
    ["dev"],
    ["demo"],
    ["sandbox"],
    ["serve"],
    ["webhooks", "register"],
    ["webhooks", "list"],
    ["webhooks", "delete"],
    ["drafts", "list"],
    ["drafts", "show"],
    ["drafts", "approve"],
    ["outbox", "list"],
    ["outbox", "retry"],
    ["deploy-local"],
]


def test_cli_top_level_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in {c[0] for c in COMMANDS}:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_cli_each_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    description = result.output.split("Usage:")[1]
    assert len(description.split()) > 12, f"{' '.join(command)} --help says too little"


def test_cli_status_json_reports_tables(monkeypatch: pytest.MonkeyPatch, test_database_url) -> None:
    import json

    from lever_pipeline.settings import get_settings

    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["status", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    tables = {t["table"] for t in json.loads(result.output)["tables"]}
    assert {"lever_opportunities", "lever_feedback", "lever_webhook_events", "lever_outbox"} <= tables
