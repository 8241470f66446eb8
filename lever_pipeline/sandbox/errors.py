"""The sandbox's API errors, rendered as Lever's `{code, message}` body.

Lever documents only `ResourceNotFound` (and a recorded `NotFoundError` for unknown
paths). The codes for 400/401/403/422/429/500/503 are unconfirmed; the names below are
the most plausible reading of Lever's naming and are only ever informative to clients.
"""

from __future__ import annotations

import orjson

CODES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "ResourceNotFound",
    413: "PayloadTooLarge",
    422: "UnprocessableEntityError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
}


class ApiError(Exception):
    """An error answer: HTTP status plus Lever's `{code, message}` body."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "Error")

    def body(self) -> bytes:
        return orjson.dumps({"code": self.code, "message": self.message})


def bad_request(message: str) -> ApiError:
    """400: a parameter or body field is missing or malformed (the message names it)."""
    return ApiError(400, message)


def not_found(kind: str, object_id: str) -> ApiError:
    """404 in Lever's recorded wording: `stages <id> was not found`."""
    return ApiError(404, f"{kind} {object_id} was not found")
