"""How `StepsExpanded` and `StepsGathered` change a plan's state and its indexes (pure).

An expansion turns a ready `for_each` step into one child step per item (`ID[index]`), each an
ordinary step from then on: ready at once, started, retried, timed out, interrupted and resumed
as any step is, counted in the plan's step counts. The parent runs meanwhile without holding a
parallel slot; when its last child ends, `PlanState.item_ended` puts it in the `gathering`
index, and `StepsGathered` ends it and releases its dependants.
"""

from __future__ import annotations

from core.domain import step_transitions as steps
from core.domain.errors import CorruptHistoryError
from core.domain.events import StepsExpanded, StepsGathered
from core.domain.plan_state import Expansion, PlanState, StepError, StepState
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import Ending

ITEMS_FAILED = "items_failed"
"""The error type of a `for_each` step some of whose items did not complete."""


def child_id(step_id: str, index: int) -> str:
    """The id of a `for_each` step's child for the item at `index`."""
    return f"{step_id}[{index}]"


def on_steps_expanded(state: PlanState, event: StepsExpanded) -> None:
    parent = steps.step_of(state, event, event.step_id)
    if (
        parent.spec.for_each is None
        or parent.status is not StepStatus.PENDING
        or event.step_id not in state.ready
        or state.status is not PlanStatus.EXECUTING
    ):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} cannot expand now"
        )
    steps.leave_pending(state, event.step_id)
    steps.set_status(state, parent, StepStatus.RUNNING)
    parent.started_at = event.timestamp
    child_spec = parent.spec.model_copy(update={"depends_on": (), "when": None, "for_each": None})
    children = tuple(child_id(event.step_id, index) for index in range(len(event.items)))
    for index, (item_id, item) in enumerate(zip(children, event.items, strict=True)):
        state.steps[item_id] = StepState(
            spec=child_spec.model_copy(update={"id": item_id}),
            timeout_ms=parent.timeout_ms,
            parent=event.step_id,
            item=item,
            index=index,
        )
        state.ready[item_id] = None
    state.counts[StepStatus.PENDING] += len(children)
    state.expansions[event.step_id] = Expansion(children, open=len(children))
    if not children:
        state.gathering[event.step_id] = None


def on_steps_gathered(state: PlanState, event: StepsGathered) -> None:
    parent = steps.step_of(state, event, event.step_id)
    expansion = state.expansions.get(event.step_id)
    if (
        event.step_id not in state.gathering
        or expansion is None
        or len(expansion.children) != len(event.result)
    ):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} has no ended items to gather"
        )
    del state.gathering[event.step_id]
    parent.result = event.result
    parent.item_refs = event.item_refs or None
    parent.finished_at = event.timestamp
    parent.duration_ms = event.duration_ms
    error = gathered_error(event)
    if error is None:
        steps.set_status(state, parent, StepStatus.COMPLETED)
        steps.settle(state, event.step_id, Ending.SUCCESS)
        return
    parent.error = error
    steps.failed_for_good(state, parent)


def gathered_error(event: StepsGathered) -> StepError | None:
    """Why a gathered `for_each` step failed (some item did not complete); None if it completed."""
    return StepError(ITEMS_FAILED, event.error_message) if event.failed_items > 0 else None
