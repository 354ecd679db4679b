"""Approval decisions: before execution, auto-approval, expiry, rejection, named approvers."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidTransitionError, NotAnApproverError
from core.domain.events import ENGINE_ACTOR, PlanApproved, PlanRejected
from core.domain.scheduler import ExpireApproval
from core.domain.status import PlanStatus
from tests.unit.builders import at, created_plan, spec, step
from tests.unit.decided_steps import started


def test_a_plan_that_requires_approval_does_not_execute_before_it_is_approved() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    schedule = ledger.decide(at(10_000))

    assert ledger.plan.status is PlanStatus.PENDING_APPROVAL
    assert schedule.decisions == ()
    with pytest.raises(InvalidTransitionError):
        ledger.start_execution(at(10_000))


def test_an_approved_plan_can_execute() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    ledger.approve("bob", at(5))
    ledger.start_execution(at(6))
    events = ledger.settle(at(6))

    assert ledger.plan.approved_by == "bob"
    assert started(events) == [("a", 1)]


def test_auto_approve_approves_at_creation_as_the_engine() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, auto_approve=True))

    approval = ledger.events[-1]

    assert isinstance(approval, PlanApproved)
    assert (approval.by, approval.actor) == (ENGINE_ACTOR, ENGINE_ACTOR)
    assert ledger.plan.status is PlanStatus.APPROVED
    assert ledger.plan.approved_by == ENGINE_ACTOR


def test_a_plan_without_require_approval_is_approved_at_creation() -> None:
    ledger = created_plan(spec(step("a")))

    assert ledger.plan.status is PlanStatus.APPROVED
    assert not any(isinstance(e, PlanApproved) for e in ledger.events)


def test_an_approval_that_is_not_given_in_time_expires() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approval_timeout_ms=60_000))

    before = ledger.decide(at(59_999))
    due = ledger.decide(at(60_000))
    events = ledger.settle(at(60_000))

    assert before.decisions == ()
    assert before.wake_at == at(60_000)
    assert due.decisions == (ExpireApproval(),)
    assert len(events) == 1
    rejection = events[0]
    assert isinstance(rejection, PlanRejected)
    assert (rejection.expired, rejection.reason, rejection.by) == (
        True,
        "approval expired",
        ENGINE_ACTOR,
    )
    assert ledger.plan.status is PlanStatus.REJECTED


def test_a_rejected_plan_ends_and_never_executes() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    ledger.reject("bob", at(5))

    assert ledger.plan.status is PlanStatus.REJECTED
    assert ledger.plan.rejected_by == "bob"
    assert ledger.decide(at(6)).decisions == ()
    with pytest.raises(InvalidTransitionError):
        ledger.start_execution(at(6))
    with pytest.raises(InvalidTransitionError):
        ledger.approve("bob", at(7))


def test_only_the_named_approvers_may_approve_or_reject() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approvers=["carol"]))

    with pytest.raises(NotAnApproverError) as refused:
        ledger.approve("mallory", at(1))
    with pytest.raises(NotAnApproverError):
        ledger.reject("mallory", at(1))
    ledger.approve("carol", at(2))

    assert refused.value.approvers == ("carol",)
    assert ledger.plan.status is PlanStatus.APPROVED
    assert ledger.plan.approved_by == "carol"
