"""When the scheduler starts steps: own dependencies done, parallel slots, plan completion."""

from __future__ import annotations

from core.domain.scheduler import FinishPlan, StartStep
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import T0, at, executing_plan, spec, step
from tests.unit.decided_steps import started


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
