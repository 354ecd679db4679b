"""A decision costs what changed, not the plan's size: work is counted, never timed."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, ValuesView
from typing import Any

import pytest

from core.domain.plan import StepState
from core.domain.scheduler import StartStep
from core.domain.status import StepStatus
from tests.unit.builders import T0, Ledger, at, executing_plan, spec, step

SIZE = 10_000
SLOTS = 4


class CountingSteps(dict[str, StepState]):
    """The plan's steps, counting every look-up and every step a scan passes over."""

    touched = 0

    def __getitem__(self, key: str) -> StepState:
        self.touched += 1
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.touched += 1
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        for key in super().__iter__():
            self.touched += 1
            yield key

    def items(self) -> ItemsView[str, StepState]:  # type: ignore[override]
        self.touched += len(self)
        return super().items()

    def values(self) -> ValuesView[StepState]:  # type: ignore[override]
        self.touched += len(self)
        return super().values()


@pytest.fixture(scope="module")
def wide_plan_spec() -> Any:
    return spec(*(step(f"s{i}") for i in range(SIZE)), max_parallel_steps=SLOTS)


def counted(ledger: Ledger) -> CountingSteps:
    steps = CountingSteps(ledger.plan.steps)
    ledger.plan.steps = steps
    return steps


def test_the_first_decision_on_a_wide_plan_starts_exactly_the_free_slots(
    wide_plan_spec: Any,
) -> None:
    ledger = executing_plan(wide_plan_spec)
    steps = counted(ledger)

    schedule = ledger.decide(T0)

    assert schedule.decisions == tuple(StartStep(f"s{i}", 1) for i in range(SLOTS))
    assert steps.touched <= SLOTS


def test_with_every_slot_busy_a_decision_on_a_wide_plan_touches_only_the_running_steps(
    wide_plan_spec: Any,
) -> None:
    ledger = executing_plan(wide_plan_spec)
    ledger.settle(T0)
    steps = counted(ledger)

    schedule = ledger.decide(at(1))

    assert schedule.decisions == ()
    assert steps.touched <= SLOTS


def test_a_decision_after_one_completion_touches_a_few_steps_not_the_whole_plan(
    wide_plan_spec: Any,
) -> None:
    ledger = executing_plan(wide_plan_spec)
    ledger.settle(T0)
    ledger.succeed("s0", at(1))
    steps = counted(ledger)

    schedule = ledger.decide(at(1))

    assert schedule.decisions == (StartStep(f"s{SLOTS}", 1),)
    assert steps.touched <= 2 * SLOTS
    assert steps.touched < SIZE // 100


def test_the_work_of_a_decision_does_not_grow_with_the_number_of_finished_steps(
    wide_plan_spec: Any,
) -> None:
    ledger = executing_plan(wide_plan_spec)
    ledger.settle(T0)
    for i in range(200):
        ledger.succeed(f"s{i}", at(i + 1))
        ledger.settle(at(i + 1))
    steps = counted(ledger)

    ledger.succeed("s200", at(300))
    schedule = ledger.decide(at(300))

    assert schedule.decisions == (StartStep(f"s{200 + SLOTS}", 1),)
    assert steps.touched <= 2 * SLOTS
    assert ledger.plan.counts[StepStatus.COMPLETED] == 201


def test_a_completion_in_a_long_chain_makes_only_its_dependant_ready() -> None:
    ledger = executing_plan(spec(step("s0"), *(step(f"s{i}", f"s{i - 1}") for i in range(1, SIZE))))
    ledger.settle(T0)
    steps = counted(ledger)

    ledger.succeed("s0", at(1))
    schedule = ledger.decide(at(1))

    assert schedule.decisions == (StartStep("s1", 1),)
    assert steps.touched <= 2 * SLOTS


def test_the_counter_sees_the_one_scan_that_stopping_a_plan_needs(wide_plan_spec: Any) -> None:
    ledger = executing_plan(wide_plan_spec)
    ledger.settle(T0)
    ledger.fail("s0", at(1))
    steps = counted(ledger)

    schedule = ledger.decide(at(1))

    assert len(schedule.decisions) == SIZE - SLOTS
    assert steps.touched >= SIZE


def test_conditions_and_templates_touch_only_the_steps_they_read() -> None:
    ledger = executing_plan(
        spec(
            step("root"),
            *(
                step(
                    f"s{i}",
                    "root",
                    when="steps.root.result.go",
                    parameters={"value": "{{ steps.root.result.n }}"},
                )
                for i in range(SIZE)
            ),
            max_parallel_steps=SLOTS,
        )
    )
    ledger.settle(T0)
    ledger.succeed("root", at(1), result={"go": True, "n": 7})
    steps = counted(ledger)

    schedule = ledger.decide(at(1))

    assert schedule.decisions == tuple(StartStep(f"s{i}", 1) for i in range(SLOTS))
    assert all(decision.parameters == {"value": 7} for decision in schedule.decisions)
    assert steps.touched <= 3 * SLOTS
