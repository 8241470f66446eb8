"""How a `lever-pipeline` command fails: one line on stderr and an exit code.

Exit status 2 means the configuration is wrong (a setting, an unreachable warehouse, a
warehouse that mirrors another account, a port in use, a missing dbt manifest): nothing
ran, fix it and run again. Exit status 1 means a run started and failed. The traceback is
printed only with `--verbose`.
"""

from __future__ import annotations

import sys
import traceback

import typer

CONFIG_ERROR = 2
RUN_FAILED = 1


class CommandError(Exception):
    """A failure a command has already put into words; `exit_code` is CONFIG_ERROR or RUN_FAILED."""

    def __init__(self, message: str, exit_code: int = RUN_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def describe(err: BaseException) -> tuple[str, int]:
    """The one line and the exit status for an exception that ended a command."""
    from lever_pipeline.account.credentials import CredentialsError
    from lever_pipeline.account.guard import AccountMismatch
    from lever_pipeline.account.reset import WarehouseBusy
    from lever_pipeline.lever.errors import LeverError
    from lever_pipeline.settings import SettingsError
    from lever_pipeline.warehouse.connect import WarehouseUnavailable

    if isinstance(err, CommandError):
        return str(err), err.exit_code
    if isinstance(err, SettingsError | WarehouseUnavailable | AccountMismatch | CredentialsError):
        return str(err), CONFIG_ERROR
    if _is_missing_manifest(err):
        return f"dbt manifest missing: {err}", CONFIG_ERROR
    if isinstance(err, WarehouseBusy | LeverError):
        return str(err), RUN_FAILED
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {first} (run with --verbose for the traceback)", RUN_FAILED


def _is_missing_manifest(err: BaseException) -> bool:
    # defs/dbt.py loads Dagster; look its error up only if it was imported (it raised, so it was).
    dbt_module = sys.modules.get("lever_pipeline.defs.dbt")
    missing = getattr(dbt_module, "DbtManifestMissing", None)
    return missing is not None and isinstance(err, missing)


def fail(err: BaseException, *, verbose: bool) -> int:
    """Print `err` as one line (after its traceback when `verbose`); return the exit status."""
    message, code = describe(err)
    if verbose:
        traceback.print_exception(err)
    typer.echo(f"error: {message}", err=True)
    return code
