"""`lever-pipeline rules ...` on the test database: create, list, show, update, disable, test, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from lever_pipeline.cli.main import app
from lever_pipeline.settings import get_settings

runner = CliRunner()

RULE = {
    "name": "onsite",
    "stage_id": "stage-onsite",
    "team": "Engineering",
    "thresholds": [{"kind": "overall", "min": 3}],
    "on_fail": {"archive_reason_id": "reason-1"},
}


@pytest.fixture
def cli_db(test_database_url: URL, clean_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_rules_cli_create_update_disable_and_test(cli_db: None, tmp_path: Path) -> None:
    (tmp_path / "rule.json").write_text(json.dumps(RULE))
    (tmp_path / "live.json").write_text(json.dumps({"dry_run": False}))

    assert run("rules", "create", str(tmp_path / "rule.json")) == (0, "Rule 1 (onsite) created at version 1.\n")
    code, listed = run("rules", "list")
    assert code == 0 and listed.split("\t")[:5] == ["1", "onsite", "v1", "active", "dry-run"]
    assert run("rules", "update", "onsite", str(tmp_path / "live.json")) == (0, "Rule 1 is now at version 2 (live).\n")
    code, shown = run("rules", "show", "1")
    assert code == 0 and json.loads(shown)["dry_run"] is False and json.loads(shown)["version"] == 2
    code, tested = run("rules", "test", "onsite", "--since", "30d")
    assert code == 0 and "0 visits since" in tested and "agreement with the team: n/a" in tested
    assert run("rules", "disable", "onsite") == (0, "Rule 1 disabled at version 3.\n")


@pytest.mark.parametrize(
    ("args", "body", "message"),
    [
        (["create"], {**RULE, "team": None}, "exactly one of posting_id, team or department"),
        (["create"], "{not json", "not valid JSON"),
        (["show", "nope"], None, "no rule 'nope'"),
        (["test", "nope", "--since", "ninety"], None, "expected a number and a unit"),
    ],
)
def test_rules_cli_bad_input_is_one_line(cli_db: None, tmp_path: Path, args: list, body: object, message: str) -> None:
    extra = []
    if body is not None:
        path = tmp_path / "rule.json"
        path.write_text(body if isinstance(body, str) else json.dumps(body))
        extra = [str(path)]
    code, output = run("rules", *args, *extra)
    assert code != 0 and message in output and "Traceback" not in output
