"""Bearer JWTs from an OIDC provider, checked against its JWKS (a file or a URL) with PyJWT.

Every token must be signed by a key of the JWKS with an asymmetric algorithm (`alg: none` and
shared-secret HMAC are refused: a JWKS holds public keys), name the configured issuer and
audience, and carry `exp` and `sub`. The principal is the subject; its roles come from one claim
(a list or a space-separated string) through the configured mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt

from adapters.principals.errors import NotAuthenticatedError
from adapters.principals.permissions import Principal
from adapters.principals.token_store import TOKEN_PRINCIPAL
from adapters.settings import OidcSettings
from core import Role

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
LEEWAY_S = 30
"""Clock skew tolerated on `exp`, `nbf` and `iat`."""


class OidcVerifier:
    """Checks JWTs against one provider's keys and turns them into principals."""

    def __init__(self, settings: OidcSettings, timeout_s: float = 10.0) -> None:
        if settings.jwks is None or settings.issuer is None or settings.audience is None:
            raise ValueError("OIDC needs a JWKS, an issuer and an audience")
        self._settings = settings
        self._role_map = dict(settings.role_map)
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if settings.jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(settings.jwks, cache_keys=True, timeout=int(timeout_s))
        else:
            self._keys = jwt.PyJWKSet.from_json(Path(settings.jwks).read_text(encoding="utf-8"))

    def authenticate(self, token: str) -> Principal:
        """The principal a JWT names, or `NotAuthenticatedError` saying which check failed."""
        try:
            key = self._signing_key(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticatedError(f"bearer JWT refused: {error}") from None
        subject = str(claims["sub"])
        if not subject or subject.startswith(TOKEN_PRINCIPAL):
            raise NotAuthenticatedError("bearer JWT refused: unusable subject")
        return Principal(subject, self._roles(claims))

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise jwt.InvalidKeyError(f"no key with kid {kid!r} in the JWKS")

    def _roles(self, claims: Mapping[str, Any]) -> frozenset[Role]:
        value: Any = claims
        for part in self._settings.roles_claim.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        names = value.split() if isinstance(value, str) else value
        if not isinstance(names, list):
            return frozenset()
        known = {role.value for role in Role}
        mapped = (self._role_map.get(str(name), str(name)) for name in names)
        return frozenset(Role(name) for name in mapped if name in known)
