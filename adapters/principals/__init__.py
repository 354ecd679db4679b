"""Who calls the HTTP API: API tokens, OIDC JWTs, principals and what their roles allow.

`OidcVerifier` is imported from `adapters.principals.oidc` by the server alone: it needs PyJWT
(about 20 ms to import), which the CLI's token commands do not.
"""

from adapters.principals.authenticator import Authenticator
from adapters.principals.errors import (
    ForbiddenError,
    InvalidTokenRequestError,
    NotAuthenticatedError,
    TokenNameTakenError,
    TokenNotFoundError,
)
from adapters.principals.permissions import ROLE_ACTIONS, Action, Principal
from adapters.principals.token_store import (
    IssuedToken,
    TokenStore,
    parse_expiry,
    parse_roles,
)

__all__ = [
    "ROLE_ACTIONS",
    "Action",
    "Authenticator",
    "ForbiddenError",
    "InvalidTokenRequestError",
    "IssuedToken",
    "NotAuthenticatedError",
    "Principal",
    "TokenNameTakenError",
    "TokenNotFoundError",
    "TokenStore",
    "parse_expiry",
    "parse_roles",
]
