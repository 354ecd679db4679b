"""What a failure does downstream and to the plan, with stop_on_error or continue_on_error."""

from __future__ import annotations

from core.domain.event_stamper import EventStamper
from core.domain.events import PlanFailed, StepCancelled
from core.domain.scheduler import SkipStep
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, T0, at, executing_plan, spec, step
from tests.unit.decided_steps import skipped, started

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
