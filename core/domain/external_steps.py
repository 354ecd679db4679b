"""External steps: steps that someone outside the engine carries out and reports on (pure).

A step whose tool is `external` is started like any other (its `StepStarted` names the worker
`external`, with its resolved parameters: what the person, agent or system must know), and then
awaits its outcome: `StepCompleted` or `StepFailed` recorded by whoever carried it out, with
their name as the actor. Timeouts, retries, trigger rules and approvals apply as to any step.
No engine calls a tool for it, holds a call slot for it, or keeps its plan leased to wait.

Like a plan step, an external step needs no tool in the registry: it runs nothing here, so it
is always available; its parameters are checked against `ExternalParameters`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from core.domain.plan_state import PlanState, StepState
from core.domain.spec import StepSpec
from core.domain.status import StepStatus

EXTERNAL_TOOL = "external"
"""The tool name of a step carried out outside the engine."""

EXTERNAL_WORKER = "external"
"""The worker its `StepStarted` names: nobody in the engine runs it."""

EXTERNAL_FAILURE = "external_failure"
"""The error type of a failure reported from outside (`step fail`)."""


class ExternalParameters(BaseModel):
    """What whoever carries out an external step needs to know (shown in its `StepStarted`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instructions: str = Field("", description="What to do, for the person or agent doing it.")
    assignee: str | None = Field(None, description="Who is expected to carry it out.")
    data: dict[str, JsonValue] = Field(
        default_factory=dict, description="Anything else they need (templates allowed)."
    )


def is_external(step: StepSpec) -> bool:
    """True for a step that someone outside the engine carries out."""
    return step.tool == EXTERNAL_TOOL and not step.is_sub_plan


def waits_outside(step: StepState) -> bool:
    """True while a running step waits on someone else: its child plan, or an outside party."""
    return step.status is StepStatus.RUNNING and (
        step.child_plan_id is not None or is_external(step.spec)
    )


def awaiting_outcome(plan: PlanState) -> list[str]:
    """The external steps whose outcome is awaited now, in the order they started."""
    return [step_id for step_id in plan.running if is_external(plan.steps[step_id].spec)]
