"""Events of steps that fan out (`for_each` maps) or run a child plan (pure)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from core.domain.additive_fields import additive
from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonObject, JsonValue
from core.domain.result_refs import BlobRef


class StepsExpanded(PlanEvent):
    """A `for_each` step fanned out into one child step per item, `ID[index]`, in item order.

    `items` are the values its `for_each` evaluated to; each child's parameters read its item
    as `item` and its position as `index`. The step itself runs until `StepsGathered`.
    """

    step_id: str
    items: list[JsonValue]


class StepsGathered(PlanEvent):
    """Every child of an expanded step ended; the step ended with them (the reduce).

    `result` lists the children's results in item order (null where a child did not complete);
    the step completed when `failed_items` is 0 and failed otherwise. `first_failed` names the
    first child that did not complete; `duration_ms` runs from the expansion. `item_refs` names,
    by item index, the children's results stored apart (each child's `StepCompleted.result_ref`,
    previewed in `result` at that index), so templates read the whole values.
    """

    step_id: str
    result: list[JsonValue]
    failed_items: int
    first_failed: str | None = None
    duration_ms: int
    item_refs: dict[int, BlobRef] = additive(default_factory=dict)

    @property
    def error_message(self) -> str:
        """How the fold, the views and people describe a map whose items did not all complete."""
        total = len(self.result)
        return f"{self.failed_items} of {total} items did not complete (first: {self.first_failed})"


class SubPlanStarted(PlanEvent):
    """Attempt `attempt` of plan step `step_id` created child plan `child_plan_id` and runs it.

    The child sits at `depth` below `root_plan_id`; the engine approved it with its parent.
    """

    step_id: str
    attempt: int
    child_plan_id: UUID
    depth: int
    root_plan_id: UUID


class SubPlanFinished(PlanEvent):
    """The child plan of `step_id` ended with `status` (its `outputs`, or `reason` if it failed).

    The step's own `StepCompleted` (result: the outputs) or `StepFailed` follows in the same batch.
    """

    step_id: str
    attempt: int
    child_plan_id: UUID
    status: str
    outputs: JsonObject = Field(default_factory=dict)
    reason: str | None = None
