"""When and how long to retry a Lever call (tenacity policies).

429, 5xx and transport errors retry with exponential backoff and full jitter, bounded in
attempts; a 429 carrying `Retry-After` waits exactly that long (Lever does not document
the header, so both cases must work). 400/401/403/404 are answers, not failures: never retried.
"""

from __future__ import annotations

import httpx
from tenacity import RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class RetryableResponse(Exception):
    """A response worth another attempt; kept so the last one can become a typed error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response

    @property
    def retry_after(self) -> float | None:
        value = self.response.headers.get("Retry-After")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None


def is_retryable(err: BaseException) -> bool:
    return isinstance(err, RetryableResponse | httpx.TransportError)


_backoff = wait_random_exponential(multiplier=0.25, max=20.0)


def wait_for(state: RetryCallState) -> float:
    """Retry-After when the server gave one, else exponential backoff with full jitter."""
    err = state.outcome.exception() if state.outcome else None
    if isinstance(err, RetryableResponse) and err.retry_after is not None:
        return err.retry_after
    return _backoff(state)


def policy(max_attempts: int) -> dict[str, object]:
    """Keyword arguments for `tenacity.AsyncRetrying`."""
    return {
        "stop": stop_after_attempt(max_attempts),
        "wait": wait_for,
        "retry": retry_if_exception(is_retryable),
        "reraise": True,
    }
