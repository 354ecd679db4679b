"""Cancelling a plan and resuming it after a crash, as decisions and the fold see them."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidTransitionError
from core.domain.events import (
    PlanCancelled,
    PlanResumed,
    StepCancelled,
    StepFailed,
    StepInterrupted,
    StepSkipped,
)
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import T0, at, created_plan, executing_plan, spec, step
from tests.unit.decided_steps import skipped, started

# Cancel


def test_cancelling_stops_running_steps_skips_pending_ones_and_ends_the_plan() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)

    events = ledger.cancel("ops", at(5))

    assert [type(e) for e in events] == [StepCancelled, StepSkipped, PlanCancelled]
    assert ledger.status("a") is StepStatus.CANCELLED
    assert skipped(events) == {"b": ("plan cancelled: enough", None)}
    assert ledger.plan.status is PlanStatus.CANCELLED
    assert ledger.plan.cancelled_by == "ops"
    assert ledger.decide(at(6)).decisions == ()


def test_a_plan_that_has_ended_cannot_be_cancelled() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.cancel("ops", at(1))

    with pytest.raises(InvalidTransitionError):
        ledger.cancel("ops", at(2))


def test_a_plan_waiting_for_approval_can_be_cancelled() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    ledger.cancel("ops", at(1))

    assert ledger.plan.status is PlanStatus.CANCELLED
    assert ledger.status("a") is StepStatus.SKIPPED


# Resume


def test_on_resume_an_idempotent_step_left_running_is_run_again_with_the_next_attempt() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)

    events = ledger.resume("ops", at(60_000))
    restarted = ledger.settle(at(60_000))

    assert [type(e) for e in events] == [PlanResumed, StepInterrupted]
    assert isinstance(events[0], PlanResumed)
    assert events[0].interrupted_steps == ("a",)
    assert started(restarted) == [("a", 2)]


def test_a_step_run_again_after_a_resume_unlocks_its_dependants_when_it_completes() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    ledger.resume("ops", at(60_000))
    ledger.settle(at(60_000))

    ledger.succeed("a", at(60_001))
    events = ledger.settle(at(60_001))

    assert started(events) == [("b", 1)]


def test_on_resume_a_non_idempotent_step_left_running_fails_as_interrupted() -> None:
    ledger = executing_plan(spec(step("a", idempotent=False, max_retries=2), step("b", "a")))
    ledger.settle(T0)

    events = ledger.resume("ops", at(60_000))
    ledger.settle(at(60_000))

    failure = events[-1]
    assert isinstance(failure, StepFailed)
    assert (failure.error_type, failure.will_retry) == ("interrupted", False)
    assert ledger.status("a") is StepStatus.FAILED
    assert ledger.plan.status is PlanStatus.FAILED


def test_resume_never_reruns_a_completed_step() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a"), step("c", "a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    ledger.settle(at(1))

    ledger.resume("ops", at(2))
    restarted = ledger.settle(at(2))

    assert sorted(started(restarted)) == [("b", 2), ("c", 2)]
    assert ledger.attempt("a") == 1


def test_only_an_executing_plan_can_be_resumed() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    with pytest.raises(InvalidTransitionError):
        ledger.resume("ops", at(1))
