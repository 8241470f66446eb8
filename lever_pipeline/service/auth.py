"""Bearer-token auth for the read and write-back routes: `Authorization: Bearer $SERVICE_API_TOKEN`.

The one check both routers use, against the settings the app was built with. The token
is compared in constant time; with no token configured every request is refused (an
open API over personal data is never the default).
"""

from __future__ import annotations

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
    expected = app_settings(request).service_api_token
    challenge = {"WWW-Authenticate": "Bearer"}
    if expected is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "SERVICE_API_TOKEN is not set on the server; reads are refused", challenge
        )
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "an `Authorization: Bearer <token>` header is required", challenge
        )
    if not hmac.compare_digest(credentials.credentials.encode(), expected.get_secret_value().encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the bearer token is not valid", challenge)
