"""Events that change a plan's steps: revisions while it lives, and forks (pure)."""

from __future__ import annotations

from uuid import UUID

from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonValue
from core.domain.spec import StepSpec


class StepAdded(PlanEvent):
    """`by` added `step` (validated with the whole revised spec) to a plan that has not ended."""

    step: StepSpec
    by: str
    reason: str


class StepRevised(PlanEvent):
    """`by` replaced the spec of a step that has not started with `step`; `fields` changed."""

    step: StepSpec
    fields: tuple[str, ...]
    by: str
    reason: str


class StepRemoved(PlanEvent):
    """`by` removed a step that had not started and that no other step depends on."""

    step_id: str
    by: str
    reason: str


class PlanForked(PlanEvent):
    """This plan was forked by `by` from `source_plan_id` as it stood at `source_version`.

    `from_step` and every step downstream of it run again; the others reuse their results.
    """

    source_plan_id: UUID
    source_version: int
    from_step: str
    by: str


class StepResultReused(PlanEvent):
    """The step completed with `result`, recorded by `source_plan_id`: no tool was called."""

    step_id: str
    source_plan_id: UUID
    result: JsonValue = None
