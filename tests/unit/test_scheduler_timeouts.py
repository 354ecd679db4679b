"""Step timeouts and the plan's total timeout, as the scheduler decides them."""

from __future__ import annotations

from core.domain.events import PlanFailed, StepCancelled, StepSkipped, StepTimedOut
from core.domain.scheduler import StartStep, TimeOutStep
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import T0, at, created_plan, executing_plan, spec, step
from tests.unit.decided_steps import skipped, started

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
