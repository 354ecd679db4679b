"""From a request's `Authorization: Bearer ...` to a principal: an API token or an OIDC JWT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.principals.errors import NotAuthenticatedError
from adapters.principals.permissions import Principal
from adapters.principals.token_store import TOKEN_PREFIX, TokenStore

if TYPE_CHECKING:
    from adapters.principals.oidc import OidcVerifier


class Authenticator:
    """Tokens that start with `plt_` are API tokens; any other bearer is checked as a JWT."""

    def __init__(
        self, tokens: TokenStore, oidc: OidcVerifier | None, now: Callable[[], datetime]
    ) -> None:
        self._tokens = tokens
        self._oidc = oidc
        self._now = now

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization` header value, or `NotAuthenticatedError`."""
        if not authorization:
            raise NotAuthenticatedError("no Authorization header")
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise NotAuthenticatedError("expected `Authorization: Bearer <token>`")
        if credential.startswith(TOKEN_PREFIX):
            return self._tokens.authenticate(credential, self._now())
        if self._oidc is None:
            raise NotAuthenticatedError("not an API token, and no OIDC provider is configured")
        return self._oidc.authenticate(credential)
