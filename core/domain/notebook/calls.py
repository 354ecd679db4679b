"""The notebook's rules: each tool call on a notebook, decided as events or refused (pure).

The rules (the seed's, with its gaps closed):
- at most one subtask is in progress, and a subtask starts only when every earlier one is done
  or abandoned; `finish_subtask` needs the same, records the outcome and starts the next one;
- a finished subtask (done or abandoned) is never revised, deleted or reopened;
- a plan never has more subtasks than its `max_subtasks`;
- creating a plan while one is current, or recovering an archived one, archives the current one
  as abandoned: nothing is ever discarded;
- a plan finishes as `done` only when every subtask is done or abandoned.

A refused call raises `NotebookCallRefusedError` naming the problem and what to do instead, so
an agent can correct itself; nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from core.domain.errors import NotebookCallRefusedError
from core.domain.event_stamper import EventStamper
from core.domain.events.notebook_events import (
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    SubtaskFinished,
    SubtaskState,
    SubtaskStateUpdated,
    notebook_id,
)
from core.domain.notebook.arguments import (
    TOOL_ARGUMENTS,
    CreatePlan,
    FinishPlan,
    FinishSubtask,
    RecoverHistoricalPlan,
    ReviseCurrentPlan,
    ToolArguments,
    UpdateSubtaskState,
)
from core.domain.notebook.state import NotebookPlan, NotebookState, Subtask

CREATE_ONE = "Call create_plan first (view_historical_plans lists plans you could recover)."


@dataclass(frozen=True)
class Call:
    """Who calls, when, and what a new plan gets: given by the service, never made here."""

    notebook: str
    by: str
    now: datetime
    correlation_id: UUID
    new_plan_id: UUID
    max_subtasks: int | None = None

    def stamper(self, state: NotebookState | None) -> EventStamper:
        """Stamps events that follow the notebook's current version."""
        version = state.version if state is not None else 0
        head = state.head_hash if state is not None else None
        return EventStamper(
            notebook_id(self.notebook), version + 1, self.now, self.by, self.correlation_id, head
        )


def decide_call(
    state: NotebookState | None, arguments: ToolArguments, call: Call
) -> list[NotebookEvent]:
    """The events a (validated) call records, or `NotebookCallRefusedError`."""
    stamp = call.stamper(state)
    match arguments:
        case CreatePlan():
            return _create(state, arguments, call, stamp)
        case RecoverHistoricalPlan():
            return _recover(state, arguments, stamp)
    plan = state.current if state is not None else None
    if plan is None:
        raise NotebookCallRefusedError(_name(arguments), "there is no current plan", CREATE_ONE)
    match arguments:
        case ReviseCurrentPlan():
            _check_revision(plan, arguments)
            return [stamp(NotebookPlanRevised, notebook_plan_id=plan.plan_id, **_dump(arguments))]
        case UpdateSubtaskState():
            _check_state_change(plan, arguments)
            return [stamp(SubtaskStateUpdated, notebook_plan_id=plan.plan_id, **_dump(arguments))]
        case FinishSubtask():
            return _finish_subtask(plan, arguments, stamp)
        case FinishPlan():
            return _finish_plan(plan, arguments, stamp)
    raise AssertionError(f"{type(arguments).__name__} records nothing")


def _name(arguments: ToolArguments) -> str:
    return next(name for name, kind in TOOL_ARGUMENTS.items() if isinstance(arguments, kind))


def _dump(arguments: ToolArguments) -> dict[str, object]:
    return arguments.model_dump(mode="json")


def _create(
    state: NotebookState | None, arguments: CreatePlan, call: Call, stamp: EventStamper
) -> list[NotebookEvent]:
    limit = call.max_subtasks
    if limit is not None and len(arguments.subtasks) > limit:
        raise NotebookCallRefusedError(
            "create_plan",
            f"{len(arguments.subtasks)} subtasks, over this notebook's limit of {limit}",
            "Merge some subtasks, or plan in stages and revise the plan as you go.",
        )
    events = _archive_current(state, f"replaced by the new plan {arguments.name!r}", stamp)
    created = stamp(
        NotebookPlanCreated,
        notebook_plan_id=call.new_plan_id,
        notebook=call.notebook,
        max_subtasks=limit,
        **_dump(arguments),
    )
    return [*events, created]


def _recover(
    state: NotebookState | None, arguments: RecoverHistoricalPlan, stamp: EventStamper
) -> list[NotebookEvent]:
    instead = "Call view_historical_plans for the ids of the archived plans."
    try:
        plan_id = UUID(arguments.plan_id.strip())
    except ValueError:
        raise NotebookCallRefusedError(
            "recover_historical_plan", f"{arguments.plan_id!r} is not a plan id", instead
        ) from None
    if state is None or plan_id not in state.plans:
        raise NotebookCallRefusedError(
            "recover_historical_plan", f"this notebook has no plan {plan_id}", instead
        )
    if plan_id == state.current_id:
        raise NotebookCallRefusedError(
            "recover_historical_plan",
            "it is already the current plan",
            "Go on with it: get_subtask_count and view_subtasks show where it stands.",
        )
    name = state.plans[plan_id].name
    events = _archive_current(state, f"replaced by the recovered plan {name!r}", stamp)
    return [*events, stamp(NotebookPlanRecovered, notebook_plan_id=plan_id)]


def _archive_current(
    state: NotebookState | None, why: str, stamp: EventStamper
) -> list[NotebookEvent]:
    """The current plan, if any, is archived as abandoned before another takes its place."""
    plan = state.current if state is not None else None
    if plan is None:
        return []
    return [
        stamp(
            NotebookPlanFinished,
            notebook_plan_id=plan.plan_id,
            state="abandoned",
            outcome=why,
            replaced=True,
        )
    ]


def _check_revision(plan: NotebookPlan, arguments: ReviseCurrentPlan) -> None:
    index, action = arguments.subtask_idx, arguments.action
    count = len(plan.subtasks)

    def refuse(problem: str, instead: str) -> NotebookCallRefusedError:
        return NotebookCallRefusedError("revise_current_plan", problem, instead)

    if (action == "delete") != (arguments.subtask is None):
        needs = "takes no subtask" if action == "delete" else "needs the subtask"
        raise refuse(f"{action} {needs}", "Give subtask for add and revise, none for delete.")
    last = count if action == "add" else count - 1
    if index > last:
        raise refuse(f"there is no index {index} to {action}", f"Use an index from 0 to {last}.")
    if action == "add":
        _check_room(plan, count + 1)
        started = [i for i, s in enumerate(plan.subtasks) if s.state is not SubtaskState.TODO]
        if started and index <= started[-1]:
            raise refuse(
                f"subtask {started[-1]} has already started or finished",
                f"Add the new subtask at an index from {started[-1] + 1} to {count}.",
            )
        return
    subtask = plan.subtasks[index]
    if subtask.state.is_finished:
        raise refuse(
            f"subtask {index} ({subtask.name!r}) is {subtask.state.value}: a finished subtask "
            "cannot be revised or deleted",
            "Add a new subtask after it instead.",
        )
    if action == "delete" and count == 1:
        raise refuse(
            "it is the plan's only subtask",
            "Revise it, or call finish_plan with state 'abandoned'.",
        )


def _check_room(plan: NotebookPlan, wanted: int) -> None:
    limit = plan.max_subtasks
    if limit is not None and wanted > limit:
        raise NotebookCallRefusedError(
            "revise_current_plan",
            f"the plan would have {wanted} subtasks, over its limit of {limit}",
            "Revise or delete a subtask that is not started instead.",
        )


def _check_state_change(plan: NotebookPlan, arguments: UpdateSubtaskState) -> None:
    index, wanted = arguments.subtask_idx, SubtaskState(arguments.state)
    subtask = _existing(plan, index, "update_subtask_state")

    def refuse(problem: str, instead: str) -> NotebookCallRefusedError:
        return NotebookCallRefusedError("update_subtask_state", problem, instead)

    if subtask.state.is_finished:
        raise refuse(
            f"subtask {index} ({subtask.name!r}) is {subtask.state.value}: a finished subtask "
            "cannot be reopened",
            "Add a new subtask with revise_current_plan to do it again.",
        )
    if subtask.state is wanted:
        raise refuse(f"subtask {index} is already {wanted.value}", _next_move(plan))
    if wanted is SubtaskState.IN_PROGRESS:
        _check_may_start(plan, index, "update_subtask_state")


def _check_may_start(plan: NotebookPlan, index: int, tool: str) -> None:
    """Every earlier subtask is done or abandoned, and no other subtask is in progress."""
    for earlier, subtask in enumerate(plan.subtasks[:index]):
        if not subtask.state.is_finished:
            raise NotebookCallRefusedError(
                tool,
                f"subtask {earlier} ({subtask.name!r}) before it is {subtask.state.value}",
                f"Finish subtask {earlier} with finish_subtask, or abandon it with "
                "update_subtask_state, first.",
            )


def _finish_subtask(
    plan: NotebookPlan, arguments: FinishSubtask, stamp: EventStamper
) -> list[NotebookEvent]:
    index = arguments.subtask_idx
    subtask = _existing(plan, index, "finish_subtask")
    if subtask.state.is_finished:
        raise NotebookCallRefusedError(
            "finish_subtask",
            f"subtask {index} ({subtask.name!r}) is already {subtask.state.value}",
            _next_move(plan),
        )
    _check_may_start(plan, index, "finish_subtask")
    events: list[NotebookEvent] = [
        stamp(
            SubtaskFinished,
            notebook_plan_id=plan.plan_id,
            subtask_idx=index,
            outcome=arguments.subtask_outcome,
        )
    ]
    following = plan.subtasks[index + 1 :]
    upcoming = next((i for i, s in enumerate(following) if s.state is SubtaskState.TODO), None)
    if upcoming is not None:
        events.append(
            stamp(
                SubtaskStateUpdated,
                notebook_plan_id=plan.plan_id,
                subtask_idx=index + 1 + upcoming,
                state=SubtaskState.IN_PROGRESS,
            )
        )
    return events


def _finish_plan(
    plan: NotebookPlan, arguments: FinishPlan, stamp: EventStamper
) -> list[NotebookEvent]:
    left = [i for i, s in enumerate(plan.subtasks) if not s.state.is_finished]
    if arguments.state == "done" and left:
        raise NotebookCallRefusedError(
            "finish_plan",
            f"subtask {left[0]} ({plan.subtasks[left[0]].name!r}) is not finished",
            "Finish or abandon every subtask first, or finish the plan as 'abandoned'.",
        )
    return [
        stamp(
            NotebookPlanFinished,
            notebook_plan_id=plan.plan_id,
            state=arguments.state,
            outcome=arguments.outcome,
        )
    ]


def _existing(plan: NotebookPlan, index: int, tool: str) -> Subtask:
    if index >= len(plan.subtasks):
        raise NotebookCallRefusedError(
            tool,
            f"the plan has no subtask {index}",
            f"Use an index from 0 to {len(plan.subtasks) - 1}.",
        )
    return plan.subtasks[index]


def _next_move(plan: NotebookPlan) -> str:
    """What the agent can do next, in one sentence."""
    current = plan.in_progress
    if current is not None:
        return f"Subtask {current} is in progress: call finish_subtask when it is done."
    todo = next((i for i, s in enumerate(plan.subtasks) if s.state is SubtaskState.TODO), None)
    if todo is not None:
        return f"Start subtask {todo} with update_subtask_state."
    return "Every subtask is finished: call finish_plan."
