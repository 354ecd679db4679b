"""The notebook's fold: its state built from its events, one at a time (pure).

Each handler checks that the event fits the state (one that does not is a corrupt history),
as the plan fold does; the rules a call must obey live in `core.domain.notebook.calls`.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.domain.errors import CorruptHistoryError
from core.domain.events.notebook_events import (
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    SubtaskFinished,
    SubtaskSpec,
    SubtaskState,
    SubtaskStateUpdated,
)
from core.domain.notebook.state import NotebookPlan, NotebookState, Subtask


def fold_notebook(events: Iterable[NotebookEvent]) -> NotebookState | None:
    """The notebook its events build, oldest first; None when there are none."""
    state: NotebookState | None = None
    for event in events:
        state = evolve_notebook(state, event)
    return state


def evolve_notebook(state: NotebookState | None, event: NotebookEvent) -> NotebookState:
    """Apply one event (in place) and return the state; `None` before the first event."""
    if not isinstance(event, NotebookEvent):
        raise CorruptHistoryError(event.plan_id, event.version, "not a notebook event")
    if state is None:
        if not isinstance(event, NotebookPlanCreated) or event.version != 1:
            raise CorruptHistoryError(
                event.plan_id, event.version, "a notebook starts with NotebookPlanCreated"
            )
        state = NotebookState(event.notebook_id, event.notebook)
    elif event.version != state.version + 1 or event.prev_hash != state.head_hash:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"does not follow version {state.version}'s hash"
        )
    _apply(state, event)
    state.version = event.version
    state.head_hash = event.hash
    state.last_event_at = event.timestamp
    return state


def _apply(state: NotebookState, event: NotebookEvent) -> None:
    if isinstance(event, NotebookPlanCreated):
        _created(state, event)
        return
    plan = state.plans.get(event.notebook_plan_id)
    if plan is None:
        raise CorruptHistoryError(event.plan_id, event.version, "names an unknown plan")
    current = event.notebook_plan_id == state.current_id
    match event:
        case NotebookPlanRecovered() if not current:
            plan.finished_as = plan.outcome = plan.finished_at = None
            state.current_id = plan.plan_id
        case NotebookPlanFinished() if current:
            plan.finished_as = SubtaskState(event.state)
            plan.outcome = event.outcome
            plan.finished_at = event.timestamp
            state.current_id = None
        case NotebookPlanRevised() if current:
            _revised(plan, event)
        case SubtaskStateUpdated() if current:
            _open_subtask(plan, event, event.subtask_idx).state = event.state
        case SubtaskFinished() if current:
            subtask = _open_subtask(plan, event, event.subtask_idx)
            subtask.state = SubtaskState.DONE
            subtask.outcome = event.outcome
            subtask.finished_at = event.timestamp
        case _:
            raise CorruptHistoryError(
                event.plan_id, event.version, f"{type(event).__name__} does not fit the plan"
            )
    if isinstance(event, SubtaskStateUpdated) and event.state is SubtaskState.ABANDONED:
        plan.subtasks[event.subtask_idx].finished_at = event.timestamp


def _created(state: NotebookState, event: NotebookPlanCreated) -> None:
    if state.current_id is not None or event.notebook_plan_id in state.plans:
        raise CorruptHistoryError(event.plan_id, event.version, "a plan is still current")
    state.plans[event.notebook_plan_id] = NotebookPlan(
        event.notebook_plan_id,
        event.name,
        event.description,
        event.expected_outcome,
        [Subtask.of(spec, event.timestamp) for spec in event.subtasks],
        event.timestamp,
        event.actor,
        event.max_subtasks,
    )
    state.current_id = event.notebook_plan_id


def _revised(plan: NotebookPlan, event: NotebookPlanRevised) -> None:
    if event.action == "add":
        if not 0 <= event.subtask_idx <= len(plan.subtasks):
            raise CorruptHistoryError(event.plan_id, event.version, "adds past the end")
        plan.subtasks.insert(event.subtask_idx, Subtask.of(_given(event), event.timestamp))
    elif event.action == "revise":
        old = _open_subtask(plan, event, event.subtask_idx)
        new = _given(event)
        old.name, old.description = new.name, new.description
        old.expected_outcome = new.expected_outcome
    else:
        _open_subtask(plan, event, event.subtask_idx)
        del plan.subtasks[event.subtask_idx]


def _given(event: NotebookPlanRevised) -> SubtaskSpec:
    if event.subtask is None:
        raise CorruptHistoryError(event.plan_id, event.version, f"{event.action} without subtask")
    return event.subtask


def _subtask(plan: NotebookPlan, event: NotebookEvent, index: int) -> Subtask:
    if not 0 <= index < len(plan.subtasks):
        raise CorruptHistoryError(event.plan_id, event.version, f"no subtask at index {index}")
    return plan.subtasks[index]


def _open_subtask(plan: NotebookPlan, event: NotebookEvent, index: int) -> Subtask:
    """A subtask that may still change: a finished one never does."""
    subtask = _subtask(plan, event, index)
    if subtask.state.is_finished:
        raise CorruptHistoryError(event.plan_id, event.version, f"subtask {index} is finished")
    return subtask
