import subprocess
import sys

import pytest

from lever_pipeline.settings import EU_BASE_URL, US_BASE_URL, SettingsError, load_settings


def test_settings_defaults_point_at_us_lever_and_embedded_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LEVER_BASE_URL", "LEVER_EU_REGION", "WAREHOUSE_URL", "LEVER_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.base_url == US_BASE_URL
    assert settings.warehouse_url is None
    assert settings.lever_rate_limit_per_second == 10  # Lever's limit: the ceiling the adaptive rate may reach
    assert settings.lever_rate_limit_adaptive
    assert settings.uses_sandbox and settings.auth_mode == "sandbox_key"


def test_settings_auth_mode_follows_what_is_set_and_refuses_two_ways_in() -> None:
    key = load_settings(_env_file=None, lever_api_key="k")
    assert key.auth_mode == "api_key" and not key.uses_sandbox
    oauth = load_settings(_env_file=None, lever_oauth_client_id="app", lever_base_url="http://127.0.0.1:9/v1")
    assert oauth.auth_mode == "oauth" and not oauth.uses_sandbox
    assert oauth.oauth_auth_url == "http://127.0.0.1:9"  # a local sandbox serves the token endpoint itself
    assert oauth.oauth_audience == "http://127.0.0.1:9/v1/"
    assert load_settings(_env_file=None, lever_oauth_client_id="app").oauth_auth_url == "https://auth.lever.co"
    with pytest.raises(SettingsError, match="both LEVER_API_KEY and LEVER_OAUTH_CLIENT_ID are set"):
        load_settings(_env_file=None, lever_api_key="k", lever_oauth_client_id="app")
    with pytest.raises(SettingsError, match="LEVER_AUTH_MODE=oauth needs LEVER_OAUTH_CLIENT_ID"):
        load_settings(_env_file=None, lever_auth_mode="oauth")
    with pytest.raises(SettingsError, match="LEVER_AUTH_MODE='password' is invalid: expected one of auto"):
        load_settings(_env_file=None, lever_auth_mode="password")


def test_settings_celery_urls_default_to_local_services_and_keep_their_variable_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("LEVER_CELERY_BROKER_URL", "LEVER_CELERY_BACKEND_URL"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.lever_celery_broker_url == "pyamqp://guest:guest@127.0.0.1:5672//"
    assert settings.lever_celery_backend_url == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("LEVER_CELERY_BROKER_URL", "pyamqp://worker:pw@rabbit:5672//")
    monkeypatch.setenv("LEVER_CELERY_BACKEND_URL", "redis://redis:6379/1")
    settings = load_settings(_env_file=None)
    assert settings.lever_celery_broker_url == "pyamqp://worker:pw@rabbit:5672//"
    assert settings.lever_celery_backend_url == "redis://redis:6379/1"


def test_settings_eu_region_unless_base_url_given() -> None:
    assert load_settings(_env_file=None, lever_eu_region=True).base_url == EU_BASE_URL
    custom = load_settings(_env_file=None, lever_eu_region=True, lever_base_url="http://127.0.0.1:8090/v1/")
    assert custom.base_url == "http://127.0.0.1:8090/v1"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("LEVER_BASE_URL", "not a url", "LEVER_BASE_URL='not a url' is invalid: expected an http(s) URL"),
        ("LEVER_RATE_LIMIT_PER_SECOND", "-1", "LEVER_RATE_LIMIT_PER_SECOND='-1' is invalid"),
        ("LEVER_EU_REGION", "mars", "LEVER_EU_REGION='mars' is invalid: expected true or false"),
        ("WAREHOUSE_URL", "mysql://x@y/z", "WAREHOUSE_URL='mysql://x@y/z' is invalid: expected a PostgreSQL URL"),
    ],
)
def test_settings_bad_value_names_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_settings_never_echo_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVER_API_KEY", "super-secret-key")
    settings = load_settings(_env_file=None)
    assert "super-secret-key" not in repr(settings)
    monkeypatch.setenv("LEVER_WEBHOOK_TOKENS", "not json super-secret-key")
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None)
    assert "super-secret-key" not in str(err.value)


def test_cli_bad_setting_is_one_line_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lever_pipeline.cli", "status"],
        env={"LEVER_RATE_LIMIT_PER_SECOND": "-3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: LEVER_RATE_LIMIT_PER_SECOND='-3' is invalid: expected a number of requests per second "
        "greater than 0 and at most 100."
    ]
    assert "Traceback" not in result.stderr
