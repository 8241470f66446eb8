"""Service-token auth: `Authorization: Bearer $SERVICE_API_TOKEN` for the API routes, and the
same token as a Basic password for the `/ops` page (so a browser can prompt for it).

The one check every router uses, against the settings the app was built with. The token
is compared in constant time; with no token configured every request is refused (an
open API over personal data is never the default).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lever_pipeline.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="SERVICE_API_TOKEN")


def app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def require_service_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """401 with a reason unless the request carries the service's bearer token."""
    _check(
        request,
        credentials.credentials if credentials else None,
        {"WWW-Authenticate": "Bearer"},
        unset="SERVICE_API_TOKEN is not set on the server; reads are refused",
        missing="an `Authorization: Bearer <token>` header is required",
        invalid="the bearer token is not valid",
    )


def require_token_or_basic(request: Request) -> None:
    """401 with a Basic challenge (a browser prompts) unless the request carries the service token."""
    _check(
        request,
        _token_in(request.headers.get("authorization")),
        {"WWW-Authenticate": 'Basic realm="lever-pipeline ops", charset="UTF-8"'},
        unset="SERVICE_API_TOKEN is not set on the server",
        missing="the service token is required (Bearer, or Basic as the password)",
        invalid="the service token is not valid",
    )


def _check(
    request: Request, given: str | None, challenge: dict[str, str], *, unset: str, missing: str, invalid: str
) -> None:
    expected = app_settings(request).service_api_token
    if expected is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, unset, challenge)
    if given is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, missing, challenge)
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, invalid, challenge)


def _token_in(header: str | None) -> str | None:
    """The token from `Bearer <token>`, or the password of `Basic base64(user:token)`."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None
