"""Events that change a plan's steps: revisions while it lives, and forks (pure)."""

from __future__ import annotations

from uuid import UUID

from core.domain.additive_fields import additive
from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonValue
from core.domain.result_refs import BlobRef
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
    """The step completed with `result`, recorded by `source_plan_id`: no tool was called.

    Whatever of it the source stored apart is named as the source named it, so the fork's
    templates read the whole value from the same blob: `result_ref` (the result), `output_refs`
    (a plan step's outputs, by name) and `item_refs` (a `for_each` step's items, by index).
    """

    step_id: str
    source_plan_id: UUID
    result: JsonValue = None
    result_ref: BlobRef | None = additive(None)
    output_refs: dict[str, BlobRef] = additive(default_factory=dict)
    item_refs: dict[int, BlobRef] = additive(default_factory=dict)
