"""What each role may do: the one matrix the HTTP API checks every request against.

| action   | viewer | submitter | approver | operator | auditor | admin |
|----------|--------|-----------|----------|----------|---------|-------|
| read     | yes    | yes       | yes      | yes      | yes     | yes   |
| submit   |        | yes       |          |          |         | yes   |
| execute  |        | yes       |          | yes      |         | yes   |
| approve  |        |           | yes      |          |         | yes   |
| operate  |        |           |          | yes      |         | yes   |
| report   |        |           |          | yes      |         | yes   |
| audit    |        |           |          |          | yes     | yes   |
| admin    |        |           |          |          |         | yes   |

`submit` is create, validate, revise and fork; `operate` is cancel, pause, unpause, retry and
skip; `report` is recording the outcome of an external step (`tool: external`): complete or
fail, for whoever carried it out; `audit` is the audit trail, its export and verification;
`admin` manages tokens and webhooks. Approving also needs the plan's own `approvers` to let
the principal in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from adapters.principals.errors import ForbiddenError
from core import Role


class Action(StrEnum):
    """A kind of request, as the matrix above names it."""

    READ = "read"
    SUBMIT = "submit"
    EXECUTE = "execute"
    APPROVE = "approve"
    OPERATE = "operate"
    REPORT = "report"
    AUDIT = "audit"
    ADMIN = "admin"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.READ}),
    Role.SUBMITTER: frozenset({Action.READ, Action.SUBMIT, Action.EXECUTE}),
    Role.APPROVER: frozenset({Action.READ, Action.APPROVE}),
    Role.OPERATOR: frozenset({Action.READ, Action.EXECUTE, Action.OPERATE, Action.REPORT}),
    Role.AUDITOR: frozenset({Action.READ, Action.AUDIT}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True)
class Principal:
    """Who an authenticated request comes from: `token:NAME`, or an OIDC token's subject."""

    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    def may(self, action: Action) -> bool:
        """True when one of the principal's roles allows `action`."""
        return any(action in ROLE_ACTIONS[role] for role in self.roles)

    def require(self, action: Action) -> None:
        """Raise `ForbiddenError` unless one of the principal's roles allows `action`."""
        if not self.may(action):
            raise ForbiddenError(self.name, action.value, sorted(role.value for role in self.roles))
