"""The notebook views: one row per notebook, one per notebook plan, mirroring the notebook's
fold (pure)."""

from __future__ import annotations

from typing import Any

from core import (
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    PlanEvent,
    SubtaskFinished,
    SubtaskState,
    SubtaskStateUpdated,
)
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import NotebookPlanRow, NotebookRow, Row

Subtasks = list[dict[str, Any]]


class NotebookPlansProjection:
    """Each notebook (name, current plan, head) and each of its plans: state, subtask counts,
    and each subtask's name, state and outcome.

    The rows say what the notebook's fold says after the same events. An event at or below a
    notebook's `last_version` was already applied and changes nothing.
    """

    name: str = "notebook_plans"
    row_types: tuple[type[Row], ...] = (NotebookRow, NotebookPlanRow)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The notebook's row and the row of the plan the event is about."""
        if not isinstance(event, NotebookEvent):
            return []
        notebook = view.notebook(event.notebook_id)
        if notebook is not None and event.version <= notebook.last_version:
            return []
        if isinstance(event, NotebookPlanCreated):
            return _created(event, notebook)
        if notebook is None:
            return []
        plan = view.notebook_plan(event.notebook_id, event.notebook_plan_id)
        if plan is None:
            return []
        head = {
            "last_version": event.version,
            "last_event_at": event.timestamp,
            "head_hash": event.hash,
        }
        current = notebook.current_plan_id
        if isinstance(event, NotebookPlanFinished):
            current = None
        elif isinstance(event, NotebookPlanRecovered):
            current = plan.plan_id
        return [updated(notebook, current_plan_id=current, **head), _plan_changed(plan, event)]


def _created(event: NotebookPlanCreated, notebook: NotebookRow | None) -> list[Row]:
    subtasks: Subtasks = [_subtask(spec.name) for spec in event.subtasks]
    row = NotebookRow(
        notebook_id=event.notebook_id,
        name=event.notebook,
        current_plan_id=event.notebook_plan_id,
        plans=(notebook.plans if notebook is not None else 0) + 1,
        last_version=event.version,
        last_event_at=event.timestamp,
        head_hash=event.hash,
    )
    plan = NotebookPlanRow(
        notebook_id=event.notebook_id,
        plan_id=event.notebook_plan_id,
        notebook=event.notebook,
        name=event.name,
        state=SubtaskState.TODO.value,
        current=True,
        total=0,
        todo=0,
        in_progress=0,
        done=0,
        abandoned=0,
        subtasks=[],
        outcome=None,
        created_by=event.actor,
        created_at=event.timestamp,
        finished_at=None,
        last_version=event.version,
    )
    return [row, _counted(plan, subtasks, finished=False)]


def _subtask(name: str) -> dict[str, Any]:
    return {"name": name, "state": SubtaskState.TODO.value, "outcome": None}


def _plan_changed(plan: NotebookPlanRow, event: NotebookEvent) -> NotebookPlanRow:
    subtasks: Subtasks = [dict(subtask) for subtask in plan.subtasks]
    finished = plan.finished_at is not None
    match event:
        case NotebookPlanFinished(state=state, outcome=outcome, timestamp=at):
            plan = updated(plan, state=state, outcome=outcome, finished_at=at, current=False)
            finished = True
        case NotebookPlanRecovered():
            plan = updated(plan, outcome=None, finished_at=None, current=True)
            finished = False
        case NotebookPlanRevised(action="add", subtask_idx=index, subtask=spec) if spec:
            subtasks.insert(index, _subtask(spec.name))
        case NotebookPlanRevised(action="revise", subtask_idx=index, subtask=spec) if spec:
            subtasks[index]["name"] = spec.name
        case NotebookPlanRevised(action="delete", subtask_idx=index):
            del subtasks[index]
        case SubtaskStateUpdated(subtask_idx=index, state=state):
            subtasks[index]["state"] = state.value
        case SubtaskFinished(subtask_idx=index, outcome=outcome):
            subtasks[index].update(state=SubtaskState.DONE.value, outcome=outcome)
    return _counted(updated(plan, last_version=event.version), subtasks, finished=finished)


def _counted(plan: NotebookPlanRow, subtasks: Subtasks, *, finished: bool) -> NotebookPlanRow:
    """The row with its subtasks, their counts, and (until it finishes) the state they imply."""
    counts = dict.fromkeys(SubtaskState, 0)
    for subtask in subtasks:
        counts[SubtaskState(subtask["state"])] += 1
    state = plan.state
    if not finished:
        moved = counts[SubtaskState.TODO] < len(subtasks)
        state = (SubtaskState.IN_PROGRESS if moved else SubtaskState.TODO).value
    return updated(
        plan,
        subtasks=subtasks,
        state=state,
        total=len(subtasks),
        todo=counts[SubtaskState.TODO],
        in_progress=counts[SubtaskState.IN_PROGRESS],
        done=counts[SubtaskState.DONE],
        abandoned=counts[SubtaskState.ABANDONED],
    )
