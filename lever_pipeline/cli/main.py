"""The `lever-pipeline` command: the Typer app, assembled from one module per command group.

Every sub-command reads the settings first (`runtime.settings_or_exit`), so a bad variable
fails with one line before anything starts. Commands are listed here in the order
`--help` shows them.
"""

from __future__ import annotations

import typer

from lever_pipeline.cli import demo, deploy, dev, sandbox, service, setup, writeback

app = typer.Typer(
    help="Keep a PostgreSQL warehouse in sync with Lever, and write reviewed results back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("migrate")(setup.migrate)
app.command("status")(setup.status)
app.command("dev")(dev.dev)
app.command("demo")(demo.demo)
app.command("deploy-local")(deploy.deploy_local)
app.command("sandbox")(sandbox.sandbox_command)
app.command("serve")(service.serve_command)
app.add_typer(writeback.drafts_app, name="drafts")
app.add_typer(writeback.outbox_app, name="outbox")
app.add_typer(service.webhooks_app, name="webhooks")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
