"""Typed errors for every way a Lever call can fail.

    LeverError
     ├── LeverAuthError         401/403: the key is wrong or lacks a permission; never retried
     ├── LeverValidationError   400: Lever rejected the request; carries Lever's message
     ├── LeverNotFound          404: the object does not exist (single reads return None instead)
     ├── LeverRateLimitError    429 after every retry
     ├── LeverServerError       5xx after every retry
     └── LeverTransportError    timeouts and dropped connections after every retry

Each carries the method, the path (never the query, which may hold ids of people), the
status, Lever's `code`/`message` and the request id when Lever sent one. None ever
carries the API key: errors are built from the method, path and response body only.
"""

from __future__ import annotations


class LeverError(Exception):
    """A Lever API call failed."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        code: str | None = None,
        lever_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.lever_message = lever_message
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.method} {self.path}, status={self.status}, code={self.code!r})"


class LeverAuthError(LeverError):
    """401/403: stop at once; retrying cannot help."""


class LeverValidationError(LeverError):
    """400: the request was malformed or broke one of Lever's rules."""


class LeverNotFound(LeverError):
    """404: no such object (or no such path)."""


class LeverRateLimitError(LeverError):
    """429 on every attempt."""


class LeverServerError(LeverError):
    """5xx on every attempt."""


class LeverTransportError(LeverError):
    """The request never got an answer (timeout, refused or dropped connection)."""


def error_for_status(method: str, path: str, status: int, body: object, *, request_id: str | None = None) -> LeverError:
    """The typed error for a non-2xx answer, with a message that says what to do."""
    path = path.partition("?")[0]  # a query may carry personal data (emails): never in errors
    code = body.get("code") if isinstance(body, dict) else None
    lever_message = body.get("message") if isinstance(body, dict) else None
    where = f"{method} {path}"
    detail = f": {lever_message}" if lever_message else ""
    kwargs = {
        "method": method,
        "path": path,
        "status": status,
        "code": code,
        "lever_message": lever_message,
        "request_id": request_id,
    }
    if status == 401:
        return LeverAuthError(
            f"Lever rejected the credentials (401) on {where}. Check LEVER_API_KEY (and its permissions), "
            "run `lever-pipeline auth login` again when using OAuth, or unset both to use the sandbox.",
            **kwargs,
        )
    if status == 403:
        return LeverAuthError(
            f"Lever refused {where} (403){detail}. Check that the key in LEVER_API_KEY, or the OAuth grant's "
            "scopes (LEVER_OAUTH_SCOPES), allow it.",
            **kwargs,
        )
    if status == 400:
        return LeverValidationError(f"Lever rejected {where} (400){detail}", **kwargs)
    if status == 404:
        return LeverNotFound(f"Lever has no such object: {where} (404){detail}", **kwargs)
    if status == 429:
        return LeverRateLimitError(
            f"Lever kept rate-limiting {where} (429) after every retry. Lower LEVER_RATE_LIMIT_PER_SECOND "
            "or check for other clients using the same key.",
            **kwargs,
        )
    if status >= 500:
        return LeverServerError(f"Lever failed on {where} ({status}) after every retry{detail}", **kwargs)
    return LeverError(f"Unexpected answer {status} from Lever on {where}{detail}", **kwargs)
