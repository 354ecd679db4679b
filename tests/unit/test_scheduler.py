"""The scheduler's semantics, one test each, driven by decision functions and the fold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from core.domain.decisions import EventStamper, Outcome, record_outcome
from core.domain.errors import InvalidTransitionError, NotAnApproverError
from core.domain.events import (
    ENGINE_ACTOR,
    PlanApproved,
    PlanCancelled,
    PlanEvent,
    PlanFailed,
    PlanRejected,
    PlanResumed,
    StepCancelled,
    StepFailed,
    StepInterrupted,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.domain.scheduler import (
    ExpireApproval,
    FinishPlan,
    SkipStep,
    StartStep,
    TimeOutStep,
    next_retry_at,
)
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import (
    CORRELATION_ID,
    T0,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)


def started(events: Sequence[PlanEvent]) -> list[tuple[str, int]]:
    return [(e.step_id, e.attempt) for e in events if isinstance(e, StepStarted)]


def skipped(events: Sequence[PlanEvent]) -> dict[str, tuple[str, str | None]]:
    return {e.step_id: (e.reason, e.cause_step_id) for e in events if isinstance(e, StepSkipped)}


# Readiness and parallelism


def test_a_step_starts_as_soon_as_its_own_dependencies_complete_not_in_waves() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c", "a")))
    ledger.settle(T0)

    ledger.succeed("a", at(10))
    events = ledger.settle(at(10))

    assert started(events) == [("c", 1)]
    assert ledger.status("b") is StepStatus.RUNNING


def test_steps_without_dependencies_are_ready_at_once() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c", "a", "b")))

    schedule = ledger.decide(T0)

    assert schedule.decisions == (StartStep("a", 1), StartStep("b", 1))


def test_no_more_steps_run_at_once_than_the_parallel_slots() -> None:
    ledger = executing_plan(spec(*(step(f"s{i}") for i in range(6)), max_parallel_steps=2))

    first = ledger.settle(T0)
    ledger.succeed("s0", at(5))
    second = ledger.settle(at(5))

    assert started(first) == [("s0", 1), ("s1", 1)]
    assert started(second) == [("s2", 1)]
    assert len(ledger.plan.running) == 2


def test_without_allow_parallel_steps_run_one_at_a_time() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c"), allow_parallel=False))

    first = ledger.settle(T0)
    ledger.succeed("a", at(1))
    second = ledger.settle(at(1))

    assert started(first) == [("a", 1)]
    assert started(second) == [("b", 1)]
    assert list(ledger.plan.running) == ["b"]


def test_a_plan_whose_steps_all_complete_is_completed() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    ledger.settle(at(1))

    ledger.succeed("b", at(2))
    schedule = ledger.decide(at(2))
    ledger.settle(at(2))

    assert schedule.decisions == (FinishPlan(PlanStatus.COMPLETED, "every step completed"),)
    assert ledger.plan.status is PlanStatus.COMPLETED
    assert ledger.plan.finished_at == at(2)


def test_nothing_is_decided_while_steps_run() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)

    schedule = ledger.decide(at(1000))

    assert schedule.decisions == ()
    assert schedule.wake_at is None


# Failures downstream


def test_step_downstream_of_a_failure_is_skipped_not_left_pending() -> None:
    plan_spec = spec(step("a"), step("b", "a"), step("c", "b"), step("d"), continue_on_error=True)
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)

    ledger.fail("a", at(1))
    events = ledger.settle(at(1))

    assert skipped(events) == {
        "b": ("dependency 'a' failed", "a"),
        "c": ("dependency 'b' skipped", "b"),
    }
    assert ledger.status("d") is StepStatus.RUNNING
    assert ledger.plan.counts[StepStatus.PENDING] == 0


def test_a_step_downstream_of_a_failure_in_parallel_mode_never_hangs() -> None:
    plan_spec = spec(
        step("a"), step("b"), step("c", "a", "b"), max_parallel_steps=2, continue_on_error=True
    )
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)
    ledger.succeed("b", at(1))
    ledger.settle(at(1))

    ledger.fail("a", at(2))
    ledger.settle(at(2))

    assert ledger.status("c") is StepStatus.SKIPPED
    assert ledger.plan.status is PlanStatus.PARTIAL


def test_a_step_downstream_of_a_cancelled_step_is_skipped_naming_it() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a"), continue_on_error=True))
    ledger.settle(T0)
    stamp = EventStamper.after(ledger.plan, at(1), "ops", CORRELATION_ID)
    ledger.record([stamp(StepCancelled, step_id="a", attempt=1, reason="stopped by hand")])

    schedule = ledger.decide(at(1))

    assert SkipStep("b", "dependency 'a' cancelled", "a") in schedule.decisions


# stop_on_error and continue_on_error


def test_after_a_final_failure_nothing_starts_pending_steps_are_skipped_running_go_on() -> None:
    plan_spec = spec(step("a"), step("b"), step("c"), step("d", "a"), max_parallel_steps=2)
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)

    ledger.fail("a", at(1))
    events = ledger.settle(at(1))

    assert started(events) == []
    assert skipped(events) == {
        "d": ("dependency 'a' failed", "a"),
        "c": ("plan stopped: step 'a' failed", "a"),
    }
    assert ledger.status("b") is StepStatus.RUNNING
    assert ledger.plan.status is PlanStatus.EXECUTING


def test_a_stopped_plan_fails_once_its_running_steps_finish() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c"), max_parallel_steps=2))
    ledger.settle(T0)
    ledger.fail("a", at(1))
    ledger.settle(at(1))

    ledger.succeed("b", at(2))
    final = ledger.settle(at(2))

    assert isinstance(final[-1], PlanFailed)
    assert final[-1].reason == "step 'a' failed"
    assert ledger.status("b") is StepStatus.COMPLETED
    assert ledger.plan.status is PlanStatus.FAILED


def test_a_step_waiting_for_a_retry_is_skipped_when_another_step_stops_the_plan() -> None:
    plan_spec = spec(step("a", max_retries=2, retry_delay_ms=1000), step("b"))
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)
    ledger.fail("a", at(1))

    ledger.fail("b", at(2))
    events = ledger.settle(at(2))

    assert skipped(events) == {"a": ("plan stopped: step 'b' failed", "b")}
    assert ledger.plan.status is PlanStatus.FAILED
    assert ledger.plan.retrying == {}


def test_a_final_timeout_in_a_stopping_plan_starts_nothing_new() -> None:
    plan_spec = spec(step("a", timeout_ms=100), step("b"), allow_parallel=False)
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)

    events = ledger.settle(at(100))

    assert started(events) == []
    assert skipped(events) == {"b": ("plan stopped: step 'a' failed", "a")}
    assert ledger.plan.status is PlanStatus.FAILED


def test_with_continue_on_error_independent_branches_go_on_and_the_plan_is_partial() -> None:
    plan_spec = spec(step("a"), step("b", "a"), step("x"), step("y", "x"), continue_on_error=True)
    ledger = executing_plan(plan_spec)
    ledger.settle(T0)

    ledger.fail("a", at(1))
    ledger.settle(at(1))
    ledger.succeed("x", at(2))
    after_x = ledger.settle(at(2))
    ledger.succeed("y", at(3))
    ledger.settle(at(3))

    assert started(after_x) == [("y", 1)]
    assert ledger.status("b") is StepStatus.SKIPPED
    assert ledger.plan.status is PlanStatus.PARTIAL
    assert ledger.plan.reason == "1 step(s) failed, 2 completed"


def test_with_continue_on_error_a_plan_where_nothing_completed_is_failed() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c", "a"), continue_on_error=True))
    ledger.settle(T0)

    ledger.fail("a", at(1))
    ledger.fail("b", at(1))
    ledger.settle(at(1))

    assert ledger.plan.status is PlanStatus.FAILED
    assert ledger.plan.reason == "no step completed"


# Retries


def test_retry_delays_grow_geometrically_with_the_backoff() -> None:
    plan_spec = spec(step("a", max_retries=3, retry_delay_ms=100, retry_backoff=2.0))
    ledger = executing_plan(plan_spec)
    failures: list[StepFailed] = []
    now = T0

    for _ in range(4):
        ledger.settle(now)
        now += timedelta(milliseconds=7)
        failures += [e for e in ledger.fail("a", now) if isinstance(e, StepFailed)]
        if failures[-1].retry_at is not None:
            now = failures[-1].retry_at

    delays = [(f.retry_at - f.timestamp) if f.retry_at else None for f in failures]
    assert [f.attempt for f in failures] == [1, 2, 3, 4]
    assert delays == [
        timedelta(milliseconds=100),
        timedelta(milliseconds=200),
        timedelta(milliseconds=400),
        None,
    ]
    assert [f.will_retry for f in failures] == [True, True, True, False]
    assert ledger.status("a") is StepStatus.FAILED


def test_a_retry_starts_only_when_it_is_due() -> None:
    ledger = executing_plan(spec(step("a", max_retries=1, retry_delay_ms=500)))
    ledger.settle(T0)
    ledger.fail("a", at(10))

    early = ledger.decide(at(509))
    due = ledger.decide(at(510))

    assert early.decisions == ()
    assert early.wake_at == at(510)
    assert due.decisions == (StartStep("a", 2),)


def test_a_step_waiting_for_a_retry_is_pending_not_failed() -> None:
    ledger = executing_plan(spec(step("a", max_retries=1, retry_delay_ms=500)))
    ledger.settle(T0)

    ledger.fail("a", at(10))

    assert ledger.status("a") is StepStatus.PENDING
    assert ledger.plan.retrying == {"a": at(510)}
    assert ledger.plan.status is PlanStatus.EXECUTING


def test_next_retry_at_is_none_when_no_retry_is_left() -> None:
    plan_spec = spec(step("a", max_retries=2, retry_delay_ms=10, retry_backoff=3.0))
    step_spec = plan_spec.steps[0]

    due = [next_retry_at(step_spec, attempt, T0) for attempt in (1, 2, 3)]

    assert due == [at(10), at(30), None]


def test_an_outcome_of_an_attempt_that_is_no_longer_running_records_nothing() -> None:
    ledger = executing_plan(spec(step("a", timeout_ms=100, max_retries=1)))
    ledger.settle(T0)
    ledger.settle(at(100))

    late = record_outcome(
        ledger.plan, Outcome("a", 1, 150, result="late"), now=at(150), correlation_id=CORRELATION_ID
    )

    assert late == []
    assert (ledger.status("a"), ledger.attempt("a")) == (StepStatus.RUNNING, 2)


# Timeouts


def test_a_step_over_its_timeout_is_timed_out() -> None:
    ledger = executing_plan(spec(step("a", timeout_ms=1000)))
    ledger.settle(T0)

    before = ledger.decide(at(999))
    due = ledger.decide(at(1000))
    ledger.settle(at(1000))

    assert before.decisions == ()
    assert before.wake_at == at(1000)
    assert due.decisions == (TimeOutStep("a", 1, 1000, 1000, None),)
    assert ledger.status("a") is StepStatus.FAILED
    assert ledger.plan.steps["a"].error is not None
    assert ledger.plan.steps["a"].error.error_type == "timeout"
    assert ledger.plan.status is PlanStatus.FAILED


def test_the_plans_step_timeout_applies_to_steps_without_their_own() -> None:
    ledger = executing_plan(spec(step("a"), step("b", timeout_ms=50), step_timeout_ms=200))
    ledger.settle(T0)

    schedule = ledger.decide(at(200))

    assert TimeOutStep("a", 1, 200, 200, None) in schedule.decisions
    assert TimeOutStep("b", 1, 50, 200, None) in schedule.decisions


def test_a_timed_out_step_with_retries_left_is_retried() -> None:
    ledger = executing_plan(spec(step("a", timeout_ms=100, max_retries=1, retry_delay_ms=50)))
    ledger.settle(T0)

    timed_out = ledger.settle(at(100))
    retried = ledger.settle(at(150))

    assert [type(e) for e in timed_out] == [StepTimedOut]
    assert isinstance(timed_out[0], StepTimedOut)
    assert timed_out[0].will_retry is True
    assert timed_out[0].retry_at == at(150)
    assert started(retried) == [("a", 2)]


def test_a_timed_out_slot_is_free_for_another_step_at_once() -> None:
    ledger = executing_plan(
        spec(step("a", timeout_ms=100), step("b"), allow_parallel=False, continue_on_error=True)
    )
    ledger.settle(T0)

    schedule = ledger.decide(at(100))

    assert schedule.decisions == (TimeOutStep("a", 1, 100, 100, None), StartStep("b", 1))


# Total timeout


def test_past_the_total_timeout_running_steps_are_cancelled_and_pending_ones_skipped() -> None:
    ledger = executing_plan(
        spec(step("a"), step("b", "a"), step("c"), max_parallel_steps=1, total_timeout_ms=5000)
    )
    ledger.settle(T0)

    before = ledger.decide(at(4999))
    events = ledger.settle(at(5000))

    reason = "plan ran past its total timeout of 5000 ms"
    assert before.wake_at == at(5000)
    assert [type(e) for e in events] == [StepCancelled, StepSkipped, StepSkipped, PlanFailed]
    assert ledger.status("a") is StepStatus.CANCELLED
    assert skipped(events) == {"b": (reason, None), "c": (reason, None)}
    assert ledger.plan.status is PlanStatus.FAILED
    assert ledger.plan.reason == reason


def test_the_total_timeout_counts_from_the_start_of_execution() -> None:
    ledger = created_plan(spec(step("a"), total_timeout_ms=1000))

    ledger.start_execution(at(300))

    assert ledger.plan.deadline == at(1300)


# Approval


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
