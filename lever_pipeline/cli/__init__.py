"""The `lever-pipeline` command: one Typer app, a module per command group."""
