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


@pytest.mark.parametrize("command", [c for c in COMMANDS if len(c) == 1] + [["reset"], ["psql"]], ids=" ".join)
def test_cli_help_fits_80_columns_in_whole_paragraphs(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    description = [line.strip() for line in lines[: next(i for i, x in enumerate(lines) if "Options" in x)]]
    paragraphs = "\n".join(description).split("\n\n")
    for paragraph in paragraphs:
        # Every line of a paragraph but its last is filled: no line cut where the source wrapped.
        assert all(len(line) >= 55 for line in paragraph.strip().splitlines()[:-1]), paragraph


def test_cli_writeback_lists_say_so_when_empty(
    monkeypatch: pytest.MonkeyPatch, test_database_url, clean_engine
) -> None:
    from lever_pipeline.settings import get_settings

    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        drafts = runner.invoke(app, ["drafts", "list"])
        approved = runner.invoke(app, ["drafts", "list", "--status", "approved"])
        outbox = runner.invoke(app, ["outbox", "list", "--status", "failed", "--kind", "note"])
    finally:
        get_settings.cache_clear()
    assert drafts.exit_code == 0 and drafts.output == "No feedback drafts.\n"
    assert approved.output == "No approved feedback drafts.\n"
    assert outbox.exit_code == 0 and outbox.output == "No failed note items in the outbox.\n"


def test_cli_counts_are_pluralised() -> None:
    from lever_pipeline.analytics.headlines import Headlines
    from lever_pipeline.analytics.words import plural

    assert [plural(n, "hire") for n in (0, 1, 2, 1200)] == ["0 hires", "1 hire", "2 hires", "1,200 hires"]
    assert plural(1, "candidacy", "candidacies") == "1 candidacy"
    one = Headlines(
        [("Offer", 1)],
        hires=1,
        median_days_to_hire=5.25,
        top_source="Referral",
        top_source_hires=1,
        top_source_opportunities=1,
    )
    assert one.lines()[1:] == [
        "Median time to hire:       5.2 days over 1 hire",
        "Top source:                Referral (1 hire from 1 candidacy)",
    ]


def test_make_dev_takes_ports() -> None:
    import shutil
    import subprocess

    from lever_pipeline.settings import PROJECT_ROOT

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "dev", "PORT=3001", "SERVICE_PORT=8001"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "lever-pipeline dev --port 3001 --service-port 8001" in dry
