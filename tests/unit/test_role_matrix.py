"""The role matrix in docs/http-api.md is the one the API checks (adapters.principals)."""

from __future__ import annotations

from pathlib import Path

from adapters.principals import ROLE_ACTIONS, Action, Principal
from core import Role

DOC = Path(__file__).parents[2] / "docs" / "http-api.md"


def documented_matrix() -> dict[Role, set[str]]:
    """`{role: actions}` from the Roles table: its header names the roles, `yes` allows."""
    lines = DOC.read_text().split("## Roles", 1)[1].split("## ", 1)[0].splitlines()
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if "|" in line]
    header, body = rows[0], rows[2:]
    roles = [Role(name) for name in header[2:]]
    matrix: dict[Role, set[str]] = {role: set() for role in roles}
    for row in body:
        for role, cell in zip(roles, row[2:], strict=True):
            if cell == "yes":
                matrix[role].add(row[0])
    return matrix


def test_the_documented_role_matrix_is_the_one_the_api_checks() -> None:
    documented = documented_matrix()

    checked = {role: {action.value for action in actions} for role, actions in ROLE_ACTIONS.items()}

    assert documented == checked


def test_only_operators_and_admins_may_report_an_external_steps_outcome() -> None:
    reporters = {role for role in Role if Principal("p", frozenset({role})).may(Action.REPORT)}

    assert reporters == {Role.OPERATOR, Role.ADMIN}
