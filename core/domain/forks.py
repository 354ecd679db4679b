"""Fork from a step: a new plan that reuses what an ended plan already computed (pure).

The fork re-runs `from_step` and everything downstream of it. Every other step that completed in
the source keeps its recorded result (`StepResultReused`, no tool call) — provided it does the
same work in the fork's spec (`does_the_same`) and every one of its dependencies is reused too, so
a step never runs on results older than those of a step it depends on. Steps that did not
complete in the source run again. A reused result stored apart is named by the source's refs,
so the fork reads the same blob, never a copy and never the preview in its place.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from core.domain.decisions import submit
from core.domain.errors import (
    InvalidPlanSpecError,
    InvalidTransitionError,
    SpecProblem,
    StepNotFoundError,
)
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanCreated, PlanEvent, PlanForked, StepResultReused
from core.domain.json_value import JsonObject
from core.domain.plan import PlanState
from core.domain.secret_inputs import SealedInputs
from core.domain.spec import PlanSpec, StepSpec
from core.domain.status import StepStatus


def check_fork(source: PlanState, from_step: str) -> None:
    """Refuse a fork of a plan that has not ended, or from a step it does not have."""
    if not source.is_terminal:
        raise InvalidTransitionError(source.plan_id, source.status.value, "fork")
    if from_step not in source.steps:
        raise StepNotFoundError(source.plan_id, from_step)


def fork_plan(
    source: PlanState,
    *,
    plan_id: UUID,
    from_step: str,
    spec: PlanSpec,
    inputs: JsonObject,
    by: str,
    now: datetime,
    correlation_id: UUID,
    sealed_inputs: SealedInputs | None = None,
) -> list[PlanEvent]:
    """The new plan's first events: created, forked, reused results, then submitted."""
    check_fork(source, from_step)
    if all(step.id != from_step for step in spec.steps):
        raise InvalidPlanSpecError(
            [SpecProblem("from_step", f"the fork's spec has no step {from_step!r}")]
        )
    stamp = EventStamper(plan_id, 1, now, by, correlation_id)
    events: list[PlanEvent] = [
        stamp(PlanCreated, spec=spec, inputs=inputs, sealed_inputs=sealed_inputs),
        stamp(
            PlanForked,
            source_plan_id=source.plan_id,
            source_version=source.version,
            from_step=from_step,
            by=by,
        ),
    ]
    for step_id in reusable_steps(source, spec, from_step):
        earlier = source.steps[step_id]
        events.append(
            stamp(
                StepResultReused,
                step_id=step_id,
                source_plan_id=source.plan_id,
                result=earlier.result,
                result_ref=earlier.result_ref,
                output_refs=earlier.output_refs or {},
                item_refs=earlier.item_refs or {},
            )
        )
    return [*events, *submit(stamp, spec, now, inputs)]


def reusable_steps(source: PlanState, spec: PlanSpec, from_step: str) -> list[str]:
    """The steps of `spec` whose results the fork takes from `source`, in dependency order."""
    reused: set[str] = set()
    ordered: list[str] = []
    for step in _in_dependency_order(spec):
        earlier = source.steps.get(step.id)
        if (
            step.id != from_step
            and earlier is not None
            and earlier.status is StepStatus.COMPLETED
            and does_the_same(earlier.spec, step)
            and all(dependency in reused for dependency in step.depends_on)
        ):
            reused.add(step.id)
            ordered.append(step.id)
    return ordered


def does_the_same(earlier: StepSpec, step: StepSpec) -> bool:
    """Whether `step` would do what `earlier` did: the same tool and parameters, and for a plan
    step the same child plan and inputs, for a `for_each` step the same items, the same
    condition and trigger rule. Retries, time-outs and descriptions may differ."""
    return (
        earlier.tool == step.tool
        and earlier.parameters == step.parameters
        and earlier.plan == step.plan
        and earlier.inputs == step.inputs
        and earlier.for_each == step.for_each
        and earlier.when == step.when
        and earlier.trigger == step.trigger
    )


def _in_dependency_order(spec: PlanSpec) -> Iterator[StepSpec]:
    """Each step after all of its dependencies (a valid spec has no cycle)."""
    by_id = {step.id: step for step in spec.steps}
    waiting = {step.id: len(step.depends_on) for step in spec.steps}
    dependants: dict[str, list[str]] = {step.id: [] for step in spec.steps}
    for step in spec.steps:
        for dependency in step.depends_on:
            dependants[dependency].append(step.id)
    ready = [step.id for step in spec.steps if not step.depends_on]
    while ready:
        step_id = ready.pop()
        yield by_id[step_id]
        for dependant in dependants[step_id]:
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                ready.append(dependant)
