"""Errors of authentication and authorisation, and of managing API tokens.

PlanLedgerError
├── InvalidInputError
│   ├── TokenNameTakenError     `tokens create` with a name used before (revoked ones too)
│   ├── TokenNotFoundError      `tokens revoke` of a name never created
│   └── InvalidTokenRequestError a bad role, name or expiry
├── NotAuthenticatedError       no credential, or one that is unknown, revoked, expired, forged
└── ForbiddenError              an authenticated principal whose roles do not allow the action
"""

from __future__ import annotations

from core import InvalidInputError, PlanLedgerError


class TokenNameTakenError(InvalidInputError):
    """A token name is an identity in the audit log: it is never given out twice."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a token named {name!r} exists already (revoked names stay taken)")


class TokenNotFoundError(InvalidInputError):
    """No token has this name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no token named {name!r}")


class InvalidTokenRequestError(InvalidInputError):
    """A token request with a bad field: `field` names it, `problem` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class NotAuthenticatedError(PlanLedgerError):
    """The request carries no credential the server accepts; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"not authenticated: {reason}")


class ForbiddenError(PlanLedgerError):
    """The principal is known, but none of its roles allows `action`."""

    def __init__(self, principal: str, action: str, roles: list[str]) -> None:
        self.principal = principal
        self.action = action
        self.roles = roles
        held = ", ".join(roles) or "none"
        super().__init__(f"{principal!r} may not {action} (roles: {held})")
