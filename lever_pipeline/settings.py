"""Every environment setting of lever-pipeline, read and validated once.

This module is the only reader of the environment (and of `.env`). A bad value fails
at start-up with one line naming the variable and what it expects, through
`SettingsError`, never a bare traceback.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import pydantic_settings
from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
US_BASE_URL = "https://api.lever.co/v1"
EU_BASE_URL = "https://api.eu.lever.co/v1"

LEVER_AUTH_URL = "https://auth.lever.co"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

#: What the pipeline reads and writes, and `offline_access` for a refresh token.
DEFAULT_OAUTH_SCOPES = " ".join(
    [
        *(
            f"{area}:read:admin"
            for area in (
                "opportunities", "stages", "users", "postings", "archive_reasons", "feedback", "interviews",
                "notes", "offers", "resumes", "files", "panels", "forms", "requisitions", "requisition_fields",
                "referrals", "tags", "sources", "webhooks", "feedback_templates",
            )
        ),
        *(f"{area}:write:admin" for area in ("opportunities", "feedback", "notes", "files", "webhooks")),
        "offline_access",
    ]
)  # fmt: skip

# What each setting expects, in the words the one-line error uses.
_EXPECTS = {
    "lever_base_url": "an http(s) URL such as https://api.lever.co/v1",
    "lever_eu_region": "true or false (true selects https://api.eu.lever.co/v1)",
    "lever_rate_limit_per_second": "a number of requests per second greater than 0 and at most 100",
    "lever_rate_limit_burst": "a whole number of requests from 1 to 20",
    "lever_rate_limit_adaptive": "true or false (true: the rate rises to LEVER_RATE_LIMIT_PER_SECOND, halves on a 429)",
    "lever_rate_limit_floor": "a number of requests per second greater than 0 and at most 100",
    "lever_auth_mode": "one of auto, api_key, stored_key, oauth",
    "lever_oauth_auth_url": "an http(s) URL such as https://auth.lever.co",
    "lever_oauth_redirect_uri": "an http URL on this machine such as http://127.0.0.1:8977/callback",
    "lever_pipeline_secret_key": (
        "one or more Fernet keys separated by commas, newest first (make one with `lever-pipeline auth new-key`)"
    ),
    "warehouse_url": "a PostgreSQL URL such as postgresql://user@host:5432/db, or unset for the embedded one",
    "lever_webhook_tokens": 'JSON mapping event type to token, e.g. {"candidateStageChange": "..."}',
    "lever_template_ttl_seconds": "a whole number of seconds, 0 or more",
    "webhook_tolerance_seconds": "a whole number of seconds greater than 0",
    "webhook_retention_days": "a whole number of days greater than 0",
    "dbt_rebuild_min_interval_seconds": "a whole number of seconds, 1 or more",
    "slack_base_url": "an http(s) URL of the Slack Web API such as https://slack.com/api/",
    "webhook_tick_refresh_max_events": "a whole number of events, 0 or more (0: every refresh is a run)",
}


class SettingsError(ValueError):
    """A setting has a bad value; the message is one line fit for a terminal."""


class Settings(BaseSettings):
    """lever-pipeline's configuration; see `.env.example` for each variable."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    lever_api_key: SecretStr | None = None
    lever_base_url: AnyHttpUrl | None = None
    # Set by the CLI for a sandbox it starts (sandbox:<seed>:<opportunities>): the sandbox's
    # port changes per start, so this, not its URL, names the account the warehouse mirrors.
    lever_sandbox_account: str | None = None
    lever_eu_region: bool = False
    # The key's budget, shared by every process. Adaptive (the default): the ceiling the shared
    # rate may rise to while Lever answers without a 429; fixed: the rate itself.
    lever_rate_limit_per_second: Annotated[float, Field(gt=0, le=100)] = 10.0
    lever_rate_limit_burst: Annotated[int, Field(ge=1, le=20)] = 2
    lever_rate_limit_adaptive: bool = True
    # The least the adaptive rate halves to; unset, a quarter of the ceiling.
    lever_rate_limit_floor: Annotated[float, Field(gt=0, le=100)] | None = None
    # How requests authenticate: auto picks api_key when LEVER_API_KEY is set, oauth when
    # LEVER_OAUTH_CLIENT_ID is, else the sandbox's public key; stored_key uses a key kept
    # (encrypted) in the warehouse by `lever-pipeline auth store-key`.
    lever_auth_mode: Literal["auto", "api_key", "stored_key", "oauth"] = "auto"
    lever_oauth_client_id: str | None = None
    lever_oauth_client_secret: SecretStr | None = None
    # Where Lever's authorize and token endpoints live; unset, https://auth.lever.co, or the
    # sandbox's own root when LEVER_BASE_URL is a sandbox on this machine.
    lever_oauth_auth_url: AnyHttpUrl | None = None
    lever_oauth_redirect_uri: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8977/callback")
    lever_oauth_scopes: str = DEFAULT_OAUTH_SCOPES
    # Encrypts credentials kept in the warehouse: Fernet keys, comma-separated, newest first.
    lever_pipeline_secret_key: SecretStr | None = None
    lever_webhook_secret: SecretStr | None = None
    lever_webhook_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    webhook_tolerance_seconds: Annotated[int, Field(gt=0)] = 300
    webhook_retention_days: Annotated[int, Field(gt=0)] = 30
    # Up to this many waiting events are refreshed inside the webhook sensor's tick; more go to a run.
    webhook_tick_refresh_max_events: Annotated[int, Field(ge=0)] = 50
    lever_template_ttl_seconds: Annotated[int, Field(ge=0)] = 3600
    # The dbt models rebuild after the Lever tables change, at most once per this interval.
    dbt_rebuild_min_interval_seconds: Annotated[int, Field(ge=1)] = 300
    lever_download_files: bool = False
    lever_service_user_id: str | None = None
    lever_writeback_dry_run: bool = False
    # Advancement rules record decisions but queue nothing and post nothing while this is on.
    lever_automation_dry_run: bool = False
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    # The channel a rule posts to when it names none.
    slack_channel_id: str | None = None
    slack_base_url: AnyHttpUrl | None = None
    service_api_token: SecretStr | None = None
    warehouse_url: str | None = None
    lever_pipeline_home: Path = PROJECT_ROOT / ".lever_pipeline"
    # Dagster's instance database; unset, Dagster keeps its runs in the warehouse database.
    dagster_pg_url: str | None = None
    # Celery's broker (RabbitMQ) and result backend (Redis) for steps run on workers.
    lever_celery_broker_url: str = "pyamqp://guest:guest@127.0.0.1:5672//"
    lever_celery_backend_url: str = "redis://127.0.0.1:6379/0"

    @field_validator("warehouse_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://", "postgres://")):
            raise ValueError("not a PostgreSQL URL")
        return value

    @field_validator("lever_pipeline_home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value if value.is_absolute() else (PROJECT_ROOT / value).resolve()

    @property
    def base_url(self) -> str:
        """The Lever API root: an explicit base URL wins, else EU or US by region."""
        if self.lever_base_url is not None:
            return str(self.lever_base_url).rstrip("/")
        return EU_BASE_URL if self.lever_eu_region else US_BASE_URL

    @model_validator(mode="after")
    def _one_way_in(self) -> Settings:
        if self.lever_auth_mode == "auto" and self.lever_api_key is not None and self.lever_oauth_client_id:
            raise ValueError("both LEVER_API_KEY and LEVER_OAUTH_CLIENT_ID are set")
        if self.lever_auth_mode == "api_key" and self.lever_api_key is None:
            raise ValueError("LEVER_AUTH_MODE=api_key needs LEVER_API_KEY")
        if self.lever_auth_mode == "oauth" and not self.lever_oauth_client_id:
            raise ValueError("LEVER_AUTH_MODE=oauth needs LEVER_OAUTH_CLIENT_ID")
        return self

    @property
    def auth_mode(self) -> Literal["api_key", "stored_key", "oauth", "sandbox_key"]:
        """How requests authenticate, `auto` resolved: an explicit mode, the key, OAuth, else the sandbox's key."""
        if self.lever_auth_mode != "auto":
            return self.lever_auth_mode
        if self.lever_api_key is not None:
            return "api_key"
        return "oauth" if self.lever_oauth_client_id else "sandbox_key"

    @property
    def uses_sandbox(self) -> bool:
        """With no credential configured the project runs against the bundled sandbox."""
        return self.auth_mode == "sandbox_key"

    @property
    def oauth_auth_url(self) -> str:
        """The root of Lever's authorize and token endpoints (`/authorize`, `/oauth/token`)."""
        if self.lever_oauth_auth_url is not None:
            return str(self.lever_oauth_auth_url).rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.hostname in LOOPBACK:  # the sandbox serves both beside its /v1
            return f"{parts.scheme}://{parts.netloc}"
        return LEVER_AUTH_URL

    @property
    def oauth_audience(self) -> str:
        """The `audience` Lever's authorize endpoint is given: the API root with its trailing slash."""
        return self.base_url + "/"

    def webhook_token_for(self, event_type: str) -> str | None:
        """The signature token for one webhook event type, falling back to the shared secret."""
        token = self.lever_webhook_tokens.get(event_type) or self.lever_webhook_secret
        return token.get_secret_value() if token is not None else None


def _one_line(err: ValidationError) -> str:
    first = err.errors()[0]
    if not first["loc"]:  # a rule across settings (`_one_way_in`): its message names them
        return f"Settings conflict: {str(first['msg']).removeprefix('Value error, ')}."
    field = str(first["loc"][0])
    expects = _EXPECTS.get(field, first["msg"])
    raw = first.get("input")
    secret = field.endswith(("key", "token", "secret", "tokens")) or isinstance(raw, dict)
    shown = "" if secret else f"={raw!r}"
    return f"{field.upper()}{shown} is invalid: expected {expects}."


def load_settings(**overrides: object) -> Settings:
    """Read and validate the environment; raise `SettingsError` with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        raise SettingsError(_one_line(err)) from None
    except pydantic_settings.SettingsError as err:
        # Raised before validation when a complex value (a JSON map) does not parse.
        match = re.search(r'field "(\w+)"', str(err))
        field = match.group(1) if match else "a setting"
        raise SettingsError(f"{field.upper()} is invalid: expected {_EXPECTS.get(field, 'valid JSON')}.") from None


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once on first use (never at import)."""
    return load_settings()
