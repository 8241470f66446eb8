"""Configuration of one sandbox instance: data size, the key it accepts, and how honest it is.

Everything that changes the sandbox's behaviour is here, so a test, the CLI and the demo
describe a sandbox the same way and two starts with the same config behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The API key the sandbox accepts unless told otherwise (Basic auth username, empty password).
DEFAULT_API_KEY = "sandbox-key"
#: Signature token used for config-driven webhook deliveries whose event has no token of its own.
DEFAULT_WEBHOOK_TOKEN = "sandbox-webhook-token"
#: The one OAuth partner app the sandbox knows (client id and secret for /authorize and /oauth/token).
DEFAULT_OAUTH_CLIENT_ID = "sandbox-client"
DEFAULT_OAUTH_CLIENT_SECRET = "sandbox-client-secret"

WRITE_FAULTS = ("commit-then-500",)


@dataclass
class SandboxConfig:
    """How a sandbox behaves.

    Attributes:
        seed: drives every generated object and every seeded fault; same seed, same bytes.
        opportunities: size of the account (other object counts scale with it).
        api_key: the one key accepted as Basic-auth username (`sandbox-key` by default).
        confidential_access: whether that key was granted access to confidential data (Lever
            asks when a key is created). Without it, asking a list for confidential data
            (`confidentiality=confidential|all`) and reading a confidential posting or
            opportunity by id answer 403.
        rate_limit: token-bucket refill per key, requests/s (Lever: 10). 0 disables limiting.
        burst: bucket capacity (Lever: 20).
        latency_ms: mean added latency per /v1 request, with jitter. 0 disables it.
        retry_after_header: send `Retry-After` on 429s (Lever does not document one).
        fault_rate: share of /v1 requests answered with a seeded fault (500/503/hang/drop).
        write_fault: "commit-then-500": writes are applied, then answered 500 — on a seeded
            `fault_rate` share of writes, or on every write when `fault_rate` is 0.
        webhook_url: receiver for every emitted event; "{event}" in it is replaced by the
            event type, otherwise the URL is used as given.
        webhook_tokens: per-event-type signature tokens for deliveries to `webhook_url`.
        webhook_token: signature token for events that have no entry in `webhook_tokens`.
        activity: background mutations per second (0: none).
        webhook_retry_base_s: first retry gap of a failed delivery; it doubles per retry.
        hang_s: how long a "hang" fault holds a request open (or until the client leaves).
        oauth_client_id: the registered OAuth partner app's client id (`sandbox-client`).
        oauth_client_secret: its client secret (`sandbox-client-secret`).
        access_token_ttl_s: lifetime of an OAuth access token in seconds (Lever: 3600); a
            short one lets a test see several refreshes.
    """

    seed: int = 7
    opportunities: int = 500
    api_key: str = DEFAULT_API_KEY
    confidential_access: bool = True
    rate_limit: float = 10.0
    burst: int = 20
    latency_ms: float = 80.0
    retry_after_header: bool = False
    fault_rate: float = 0.0
    write_fault: str | None = None
    webhook_url: str | None = None
    webhook_tokens: dict[str, str] = field(default_factory=dict)
    webhook_token: str = DEFAULT_WEBHOOK_TOKEN
    activity: float = 0.0
    webhook_retry_base_s: float = 0.5
    hang_s: float = 120.0
    oauth_client_id: str = DEFAULT_OAUTH_CLIENT_ID
    oauth_client_secret: str = DEFAULT_OAUTH_CLIENT_SECRET
    access_token_ttl_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.opportunities < 0:
            raise ValueError("opportunities must be >= 0")
        if self.write_fault is not None and self.write_fault not in WRITE_FAULTS:
            raise ValueError(f"write_fault must be one of {', '.join(WRITE_FAULTS)} (got {self.write_fault!r})")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if not self.access_token_ttl_s > 0:
            raise ValueError("access_token_ttl_s must be greater than 0")
        if not self.oauth_client_id or not self.oauth_client_secret:
            raise ValueError("oauth_client_id and oauth_client_secret must not be empty")

    def token_for(self, event: str) -> str:
        """The signature token for a config-driven delivery of `event`."""
        return self.webhook_tokens.get(event, self.webhook_token)
