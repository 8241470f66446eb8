"""A test sandbox as the Lever account: settings naming it, and a Dagster resource reading them.

Production reads the account from the environment (`get_settings()`); tests name a
running sandbox (or a wrong key on it) explicitly, and everything else, the factory and
its shared limiter included, is the production path. A sandbox goes by its seed and size,
as the CLI names the sandbox it starts (LEVER_SANDBOX_ACCOUNT), so two test sandboxes
generating the same data are the same account to the warehouse, whatever their ports.
"""

from __future__ import annotations

from typing import Any

import httpx

from lever_pipeline.account.guard import sandbox_account_name
from lever_pipeline.defs.resources import LeverResource
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import Settings, load_settings


def sandbox_settings(sandbox: RunningSandbox, **overrides: Any) -> Settings:
    """Settings whose Lever account is `sandbox` (its key, URL, seed and size); `overrides` win."""
    values: dict[str, Any] = {
        "lever_api_key": sandbox.api_key,
        "lever_base_url": sandbox.base_url,
        "lever_sandbox_account": sandbox_account_name(sandbox.config.seed, sandbox.config.opportunities),
    }
    return load_settings(_env_file=None, **{**values, **overrides})


def sandbox_account_at(base_url: str) -> str:
    """The account name of the sandbox serving `base_url`, from its control plane (seed and size)."""
    root = base_url.removesuffix("/v1")
    config = httpx.get(f"{root}/_sandbox/stats", timeout=30.0).raise_for_status().json()["config"]
    return sandbox_account_name(config["seed"], config["opportunities"])


class SandboxLeverResource(LeverResource):
    """`LeverResource` whose account is named here (a test sandbox's URL and a key) instead of the environment."""

    api_key: str
    base_url: str

    def settings(self) -> Settings:
        return load_settings(
            _env_file=None,
            lever_api_key=self.api_key,
            lever_base_url=self.base_url,
            lever_sandbox_account=sandbox_account_at(self.base_url),
        )
