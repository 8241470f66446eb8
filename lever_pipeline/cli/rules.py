"""`lever-pipeline rules ...`: write, test and switch on advancement rules from a terminal.

`create` and `update` read a rule as JSON (a file, or `-` for stdin); every change is a new
version. `test` replays a rule over the warehouse's history (`--since 90d`) and prints what it
would have done against what the team did; it sends nothing to Lever. A bad rule fails with
one line naming the field.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from lever_pipeline.cli.runtime import open_engine, settings_or_exit

rules_app = typer.Typer(help="Advancement rules: list, show, create, update, disable, test.", no_args_is_help=True)


def _engine() -> Engine:
    return open_engine(settings_or_exit())


def _read(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    try:
        return json.loads(text)
    except ValueError as err:
        typer.echo(f"{source}: not valid JSON ({err.msg} at line {err.lineno})", err=True)
        raise typer.Exit(2) from None


def _guard(call: Any) -> Any:
    from lever_pipeline.automation.rules import RuleError, RuleNotFound

    try:
        return call()
    except (RuleError, RuleNotFound) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2 if isinstance(err, RuleError) else 1) from None


@rules_app.command("list")
def rules_list() -> None:
    """One line per rule: id, name, version, status, live or dry-run, stage."""
    from lever_pipeline.automation.rules import list_rules

    rules = list_rules(_engine())
    if not rules:
        typer.echo("No rules yet: `lever-pipeline rules create rule.json`.")
    for r in rules:
        mode = "dry-run" if r.definition.dry_run else "live"
        typer.echo(f"{r.id}\t{r.definition.name}\tv{r.version}\t{r.status}\t{mode}\t{r.definition.stage_id}")


@rules_app.command("show")
def rules_show(rule: Annotated[str, typer.Argument(help="The rule's id or name.")]) -> None:
    """The rule at its current version, as JSON."""
    from lever_pipeline.automation.rules import get_rule

    typer.echo(json.dumps(_guard(lambda: get_rule(_engine(), rule)).as_dict(), indent=2))


@rules_app.command("create")
def rules_create(source: Annotated[str, typer.Argument(help="A JSON file with the rule, or - for stdin.")]) -> None:
    """Create a rule (version 1). It starts in dry-run unless it says `"dry_run": false`."""
    from lever_pipeline.automation.rules import create_rule

    data = _read(source)
    created = _guard(lambda: create_rule(_engine(), data, changed_by="cli"))
    typer.echo(f"Rule {created.id} ({created.definition.name}) created at version 1.")


@rules_app.command("update")
def rules_update(
    rule: Annotated[str, typer.Argument(help="The rule's id or name.")],
    source: Annotated[str, typer.Argument(help="JSON with the fields to change, or - for stdin.")],
) -> None:
    """Change some fields of a rule (a new version); `{"dry_run": false}` switches it on."""
    from lever_pipeline.automation.rules import update_rule

    data = _read(source)
    changed = _guard(lambda: update_rule(_engine(), rule, data, changed_by="cli"))
    mode = "dry-run" if changed.definition.dry_run else "live"
    typer.echo(f"Rule {changed.id} is now at version {changed.version} ({mode}).")


@rules_app.command("disable")
def rules_disable(rule: Annotated[str, typer.Argument(help="The rule's id or name.")]) -> None:
    """Stop a rule (a new version); its decisions stay."""
    from lever_pipeline.automation.rules import disable_rule

    changed = _guard(lambda: disable_rule(_engine(), rule, changed_by="cli"))
    typer.echo(f"Rule {changed.id} disabled at version {changed.version}.")


@rules_app.command("test")
def rules_test(
    rule: Annotated[str, typer.Argument(help="The rule's id or name.")],
    since: Annotated[str, typer.Option(help="How far back: 90d, 12h or 2w.")] = "90d",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report, every visit included.")] = False,
) -> None:
    """Replay the rule over the warehouse's history: agreement with the team, misses, days saved."""
    from lever_pipeline.automation.backtest import backtest, parse_since
    from lever_pipeline.automation.rules import get_rule

    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
    except ValueError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    engine = _engine()
    found = _guard(lambda: get_rule(engine, rule))
    report = backtest(engine, found.definition, start, now)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    rate = f"{report.agreement_rate:.0%}" if report.agreement_rate is not None else "n/a"
    typer.echo(f"{report.visits} visits since {start.date()}: {report.decided} decided, {report.compared} comparable")
    typer.echo(f"agreement with the team: {rate} ({report.agreed} of {report.compared})")
    typer.echo(f"would have advanced, later rejected: {report.advanced_then_rejected}")
    typer.echo(f"would have failed, team advanced: {report.failed_but_advanced}")
    typer.echo(f"days saved on agreed advances: {report.days_saved:g}")
