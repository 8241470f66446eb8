"""A test sandbox as the Lever account: settings naming it, and a Dagster resource reading them.

Production reads the account from the environment (`get_settings()`); tests name a
running sandbox (or a wrong key on it) explicitly, and everything else, the factory and
its shared limiter included, is the production path.
"""

from __future__ import annotations

from typing import Any

from lever_pipeline.defs.resources import LeverResource
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import Settings, load_settings


def sandbox_settings(sandbox: RunningSandbox, **overrides: Any) -> Settings:
    """Settings whose Lever account is `sandbox` (its key and URL); `overrides` win."""
    values: dict[str, Any] = {"lever_api_key": sandbox.api_key, "lever_base_url": sandbox.base_url}
    return load_settings(_env_file=None, **{**values, **overrides})


class SandboxLeverResource(LeverResource):
    """`LeverResource` whose account is named here (a test sandbox's URL and a key) instead of the environment."""

    api_key: str
    base_url: str

    def settings(self) -> Settings:
        return load_settings(_env_file=None, lever_api_key=self.api_key, lever_base_url=self.base_url)
