"""A step whose preparation fails in any way fails that step, never the engine deciding it.

The expression language is a port: whatever it raises (a `MemoryError`, a `RecursionError`, a
fault of its own) becomes a `StepPreparationFailed` naming the field, so one plan cannot take
down the engine that runs it.
"""

from __future__ import annotations

import pytest

from core.domain.data_passing import CONDITION_ERROR, PARAMETER_ERROR
from core.domain.decisions import apply_decisions, create_plan, start_execution
from core.domain.events import StepPreparationFailed
from core.domain.json_value import JsonObject, JsonValue
from core.domain.plan import evolve
from core.domain.scheduler import decide
from core.domain.status import StepStatus
from tests.unit.builders import CORRELATION_ID, EXPRESSIONS, PLAN_ID, T0, WORKER, Ledger, spec, step


class Exploding:
    """The real language, except that evaluating raises `failure`."""

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure

    def step_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        return EXPRESSIONS.step_references(source, condition=condition, per_item=per_item)

    def input_references(
        self, source: str, *, condition: bool, per_item: bool = False
    ) -> frozenset[str]:
        return EXPRESSIONS.input_references(source, condition=condition, per_item=per_item)

    def render(self, source: str, scope: JsonObject) -> JsonValue:
        raise self.failure

    def test(self, source: str, scope: JsonObject) -> bool:
        raise self.failure


def executing(*steps: dict[str, object]) -> Ledger:
    first, *rest = create_plan(
        PLAN_ID, spec(*steps), by="al", now=T0, correlation_id=CORRELATION_ID
    )
    ledger = Ledger(evolve(None, first), [first])
    ledger.record(rest)
    ledger.record(start_execution(ledger.plan, now=T0, correlation_id=CORRELATION_ID))
    return ledger


@pytest.mark.parametrize(
    "failure", [MemoryError(), RecursionError("maximum recursion depth exceeded"), KeyError("x")]
)
def test_a_parameter_whose_evaluation_raises_anything_fails_the_step_with_parameter_error(
    failure: BaseException,
) -> None:
    ledger = executing(step("a", parameters={"value": "{{ plan.inputs.x }}"}))

    decisions = decide(ledger.plan, T0, Exploding(failure)).decisions
    events = ledger.record(
        apply_decisions(
            ledger.plan, decisions, now=T0, worker=WORKER, correlation_id=CORRELATION_ID
        )
    )

    failed = [event for event in events if isinstance(event, StepPreparationFailed)]
    assert [(e.step_id, e.field, e.error_type) for e in failed] == [
        ("a", "parameters.value", PARAMETER_ERROR)
    ]
    assert type(failure).__name__ in failed[0].message
    assert ledger.plan.steps["a"].status is StepStatus.FAILED


def test_a_condition_whose_evaluation_raises_fails_the_step_with_condition_error() -> None:
    ledger = executing(step("a", when="plan.inputs.x == 1"))

    decisions = decide(ledger.plan, T0, Exploding(MemoryError())).decisions

    failed = [d for d in decisions if getattr(d, "error_type", None) == CONDITION_ERROR]
    assert [(d.step_id, d.field) for d in failed] == [("a", "when")]  # type: ignore[attr-defined]


def test_a_for_each_whose_evaluation_raises_fails_the_step() -> None:
    ledger = executing(step("a", for_each="{{ plan.inputs.x }}", parameters={"value": 1}))

    decisions = decide(ledger.plan, T0, Exploding(RecursionError())).decisions

    assert [(d.step_id, d.field) for d in decisions] == [("a", "for_each")]  # type: ignore[union-attr]
    assert "RecursionError" in decisions[0].message  # type: ignore[union-attr]
