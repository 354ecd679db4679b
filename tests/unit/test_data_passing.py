"""Data passing: parameters resolved from results and inputs when a step starts, and outputs."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.decisions import create_plan, start_execution
from core.domain.events import (
    PlanCompleted,
    PlanEvent,
    PlanFailed,
    StepPreparationFailed,
    StepStarted,
)
from core.domain.plan import evolve
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import (
    CORRELATION_ID,
    PLAN_ID,
    T0,
    Ledger,
    at,
    spec,
    step,
)


def executing_with(plan_spec: PlanSpec, inputs: dict[str, object]) -> Ledger:
    first, *rest = create_plan(
        PLAN_ID, plan_spec, by="alice", now=T0, correlation_id=CORRELATION_ID, inputs=inputs
    )
    ledger = Ledger(evolve(None, first), [first])
    ledger.record(rest)
    ledger.record(start_execution(ledger.plan, now=T0, correlation_id=CORRELATION_ID))
    return ledger


def with_outputs(**outputs: str) -> PlanSpec:
    return spec(step("deploy")).model_copy(update={"outputs": outputs})


def starts(events: Sequence[PlanEvent]) -> dict[str, dict[str, object]]:
    return {e.step_id: e.parameters for e in events if isinstance(e, StepStarted)}


def test_started_records_the_resolved_parameters_keeping_json_types() -> None:
    ledger = executing_with(
        spec(
            step("build"),
            step(
                "deploy",
                "build",
                parameters={
                    "value": {
                        "count": "{{ steps.build.result.count }}",
                        "files": "{{ steps.build.result.files }}",
                        "line": "{{ plan.inputs.env }}: {{ steps.build.result.count }} files",
                        "literal": "no template here",
                        "nested": ["{{ steps['build'].result.ok }}"],
                    }
                },
            ),
        ),
        {"env": "prod"},
    )
    ledger.settle(T0)

    ledger.succeed("build", at(1), result={"count": 2, "files": ["a", "b"], "ok": True})
    events = ledger.settle(at(1))

    assert starts(events) == {
        "deploy": {
            "value": {
                "count": 2,
                "files": ["a", "b"],
                "line": "prod: 2 files",
                "literal": "no template here",
                "nested": [True],
            }
        }
    }


def test_a_template_that_fails_at_start_fails_the_step_without_running_it() -> None:
    ledger = executing_with(
        spec(step("a"), step("b", "a", parameters={"value": "{{ steps.a.result.url }}"})), {}
    )
    ledger.settle(T0)

    ledger.succeed("a", at(1), result={"no_url": 1})
    events = ledger.settle(at(1))

    failed = [e for e in events if isinstance(e, StepPreparationFailed)]
    assert [(e.step_id, e.field, e.error_type) for e in failed] == [
        ("b", "parameters.value", "parameter_error")
    ]
    assert "url" in failed[0].message
    assert starts(events) == {}
    assert ledger.status("b") is StepStatus.FAILED
    assert ledger.plan.status is PlanStatus.FAILED


def test_a_condition_that_cannot_be_evaluated_fails_the_step_with_condition_error() -> None:
    ledger = executing_with(spec(step("a"), step("b", "a", when="steps.a.result.code > 1")), {})
    ledger.settle(T0)

    ledger.succeed("a", at(1), result=None)
    events = ledger.settle(at(1))

    failed = [e for e in events if isinstance(e, StepPreparationFailed)]
    assert [(e.step_id, e.field, e.error_type) for e in failed] == [
        ("b", "when", "condition_error")
    ]
    assert ledger.plan.steps["b"].error is not None
    assert ledger.plan.steps["b"].error.error_type == "condition_error"


def test_outputs_are_resolved_at_completion_and_recorded() -> None:
    ledger = executing_with(
        spec(step("deploy")).model_copy(
            update={
                "outputs": {"url": "{{ steps.deploy.result.url }}", "env": "{{ plan.inputs.env }}"}
            }
        ),
        {"env": "qa"},
    )
    ledger.settle(T0)

    ledger.succeed("deploy", at(1), result={"url": "https://x"})
    events = ledger.settle(at(1))

    completed = [e for e in events if isinstance(e, PlanCompleted)]
    assert [e.outputs for e in completed] == [{"url": "https://x", "env": "qa"}]
    assert ledger.plan.outputs == {"url": "https://x", "env": "qa"}


def test_an_output_that_cannot_be_resolved_fails_the_plan_naming_it() -> None:
    ledger = executing_with(
        spec(step("deploy")).model_copy(
            update={"outputs": {"url": "{{ steps.deploy.result.url }}"}}
        ),
        {},
    )
    ledger.settle(T0)

    ledger.succeed("deploy", at(1), result="just text")
    events = ledger.settle(at(1))

    failed = [e for e in events if isinstance(e, PlanFailed)]
    assert len(failed) == 1
    assert failed[0].reason.startswith("output 'url'")
