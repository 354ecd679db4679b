"""How the sub-plan events change a parent plan's state (pure).

A plan step is running from its `StepStarted` until its own `StepCompleted`/`StepFailed`; in
between `SubPlanStarted` ties the attempt to its child plan, and `SubPlanFinished` records how
the child ended. The step's outcome itself is an ordinary step event.
"""

from __future__ import annotations

from core.domain.errors import CorruptHistoryError
from core.domain.events import SubPlanFinished, SubPlanStarted
from core.domain.plan_state import PlanState
from core.domain.status import StepStatus
from core.domain.step_transitions import step_of


def on_sub_plan_started(state: PlanState, event: SubPlanStarted) -> None:
    """The running attempt of a plan step now waits on `child_plan_id`."""
    step = step_of(state, event, event.step_id)
    if (
        step.status is not StepStatus.RUNNING
        or step.attempt != event.attempt
        or not step.spec.is_sub_plan
        or step.child_plan_id == event.child_plan_id
    ):
        raise CorruptHistoryError(
            event.plan_id,
            event.version,
            f"step {event.step_id!r} attempt {event.attempt} cannot start a sub-plan",
        )
    step.child_plan_id = event.child_plan_id


def on_sub_plan_finished(state: PlanState, event: SubPlanFinished) -> None:
    """The child of the running attempt ended; the step's own outcome follows."""
    step = step_of(state, event, event.step_id)
    if (
        step.status is not StepStatus.RUNNING
        or step.attempt != event.attempt
        or step.child_plan_id != event.child_plan_id
    ):
        raise CorruptHistoryError(
            event.plan_id,
            event.version,
            f"step {event.step_id!r} attempt {event.attempt} does not wait on "
            f"{event.child_plan_id}",
        )
