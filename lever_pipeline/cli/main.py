"""The `lever-pipeline` command: the Typer app, assembled from one module per command group.

Every sub-command reads the settings first (`runtime.settings_or_exit`), so a bad variable
fails with one line before anything starts. Whatever else ends a command early (an
unreachable warehouse, a warehouse that mirrors another account, a missing dbt manifest)
is printed by `main` as one line too, with exit status 2 for configuration and 1 for a
failed run; `--verbose`, anywhere on the line, adds the traceback. Commands are listed
here in the order `--help` shows them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lever_pipeline.cli import auth, demo, deploy, dev, rules, sandbox, service, setup, sync, writeback
from lever_pipeline.cli.errors import fail

VERBOSE = "--verbose"

app = typer.Typer(
    help="Keep a PostgreSQL warehouse in sync with Lever, and write reviewed results back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown joins a docstring's wrapped lines into paragraphs that fit the terminal;
    # Typer's default keeps each source line break, so help wrapped raggedly at 80 columns.
    rich_markup_mode="markdown",
)


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option(VERBOSE, help="Print the traceback of a failure, not only its one-line reason.")
    ] = False,
) -> None:
    """Keep a PostgreSQL warehouse in sync with Lever, and write reviewed results back."""


app.command("migrate")(setup.migrate)
app.command("status")(setup.status)
app.command("dev")(dev.dev)
app.command("demo")(demo.demo)
app.command("sync")(sync.sync_command)
app.command("deploy-local")(deploy.deploy_local)
app.command("sandbox")(sandbox.sandbox_command)
app.command("serve")(service.serve_command)
app.command("reset")(setup.reset)
app.command("psql")(setup.psql)
app.add_typer(writeback.drafts_app, name="drafts")
app.add_typer(writeback.outbox_app, name="outbox")
app.add_typer(service.webhooks_app, name="webhooks")
app.add_typer(rules.rules_app, name="rules")
app.add_typer(auth.auth_app, name="auth")


def main() -> None:
    """Console-script entry point: run the app; an exception that ends a command becomes one line."""
    args = sys.argv[1:]
    options = args[: args.index("--")] if "--" in args else args
    verbose = VERBOSE in options
    if verbose:  # accepted after the command too (`status --verbose`), where Typer would refuse it
        args = [VERBOSE, *[a for a in options if a != VERBOSE], *args[len(options) :]]
    try:
        app(args=args, prog_name="lever-pipeline")
    except Exception as err:  # every failure ends here as one line; SystemExit (Typer's exits) passes
        sys.exit(fail(err, verbose=verbose))


if __name__ == "__main__":
    main()
