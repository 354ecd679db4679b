"""Roles of authenticated principals, and who a plan's `approvers` let approve (pure).

A plan's `options.approvers` names principals (`token:deploy-bot`, an OIDC subject, or a local
`--by` name) and roles (`role:approver`). A principal is let through when it is named, or when
it holds a named role. The roles come from whoever authenticated the principal (the HTTP API);
a local CLI user has none, so `role:` entries only ever admit authenticated principals.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import StrEnum

ROLE_PREFIX = "role:"
"""An `approvers` entry that starts with this names a role, not a principal."""


class Role(StrEnum):
    """What an authenticated principal may do; `docs/http-api.md` has the matrix."""

    VIEWER = "viewer"
    SUBMITTER = "submitter"
    APPROVER = "approver"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADMIN = "admin"


def names_approver(approvers: Collection[str], actor: str, roles: Collection[str] = ()) -> bool:
    """True when `approvers` is empty, names `actor`, or names a role `actor` holds.

    A `role:` entry is matched only against `roles`, never against the actor's name, so a
    principal called `role:approver` gains nothing by its name.

    Args:
        approvers: the plan's `options.approvers`.
        actor: the principal that acts.
        roles: the roles it was authenticated with (none for a local CLI user).
    """
    if not approvers:
        return True
    for entry in approvers:
        if entry.startswith(ROLE_PREFIX):
            if entry.removeprefix(ROLE_PREFIX) in roles:
                return True
        elif entry == actor:
            return True
    return False


def unknown_roles(approvers: Iterable[str]) -> list[str]:
    """The `role:` entries of `approvers` that name no `Role` (a typo never matches anyone)."""
    known = {role.value for role in Role}
    return [
        entry
        for entry in approvers
        if entry.startswith(ROLE_PREFIX) and entry.removeprefix(ROLE_PREFIX) not in known
    ]
