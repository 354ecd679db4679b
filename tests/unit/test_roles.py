"""`options.approvers` names principals and roles; the approval decision matches both."""

from __future__ import annotations

import pytest

from adapters.json_schema_checker import JsonSchemaChecker
from adapters.tools import builtin_registry
from core import NotAnApproverError, PlanStatus, Role, names_approver, validate_spec
from core.domain.decisions import approve, reject
from core.domain.errors import InvalidPlanSpecError
from tests.unit.builders import CORRELATION_ID, EXPRESSIONS, T0, created_plan, spec, step


@pytest.mark.parametrize(
    ("approvers", "actor", "roles", "allowed"),
    [
        ((), "anyone", (), True),
        (("alice",), "alice", (), True),
        (("alice",), "bob", ("approver",), False),
        (("role:approver",), "token:bot", ("approver",), True),
        (("role:approver",), "token:bot", ("viewer",), False),
        (("role:approver",), "role:approver", (), False),
        (("alice", "role:admin"), "token:root", ("admin",), True),
    ],
)
def test_an_approver_is_named_or_holds_a_named_role(
    approvers: tuple[str, ...], actor: str, roles: tuple[str, ...], allowed: bool
) -> None:
    assert names_approver(approvers, actor, roles) is allowed


def test_a_principal_with_the_named_role_approves_and_one_without_is_refused() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approvers=["role:approver"]))

    with pytest.raises(NotAnApproverError):
        approve(
            ledger.plan,
            by="token:v",
            comment="",
            now=T0,
            correlation_id=CORRELATION_ID,
            roles=("viewer",),
        )
    ledger.record(
        approve(
            ledger.plan,
            by="token:carol",
            comment="ok",
            now=T0,
            correlation_id=CORRELATION_ID,
            roles=(Role.APPROVER,),
        )
    )

    assert ledger.plan.status is PlanStatus.APPROVED
    assert ledger.events[-1].actor == "token:carol"


def test_rejection_follows_the_same_rule() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approvers=["role:approver"]))

    with pytest.raises(NotAnApproverError):
        reject(ledger.plan, by="local-user", reason="no", now=T0, correlation_id=CORRELATION_ID)


def test_a_role_that_does_not_exist_in_approvers_is_a_spec_problem() -> None:
    data = {
        "description": "d",
        "options": {"require_approval": True, "approvers": ["role:aprover"]},
        "steps": [step("a")],
    }

    with pytest.raises(InvalidPlanSpecError) as refused:
        validate_spec(data, builtin_registry(["echo"]).schemas(), EXPRESSIONS, JsonSchemaChecker())

    assert "options.approvers: 'role:aprover' names no role" in str(refused.value)
