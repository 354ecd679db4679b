"""The short texts a tool call answers with, so an agent knows what happened and what is next
(pure)."""

from __future__ import annotations

from core.domain.errors import NotebookCallRefusedError
from core.domain.notebook.arguments import (
    CreatePlan,
    FinishPlan,
    FinishSubtask,
    GetSubtaskCount,
    RecoverHistoricalPlan,
    ReviseCurrentPlan,
    ToolArguments,
    UpdateSubtaskState,
    ViewHistoricalPlans,
    ViewSubtasks,
)
from core.domain.notebook.calls import CREATE_ONE
from core.domain.notebook.markdown import historical_markdown, subtasks_markdown
from core.domain.notebook.state import NotebookPlan, NotebookState

PAST = {"add": "added", "revise": "revised", "delete": "deleted"}


def reply(arguments: ToolArguments, before: NotebookState | None, after: NotebookState) -> str:
    """What a recorded call did, from the notebook before and after it."""
    plan = after.current
    replaced = before.current if before is not None else None
    match arguments:
        case CreatePlan() | RecoverHistoricalPlan():
            assert plan is not None
            verb = "created" if isinstance(arguments, CreatePlan) else "is current again"
            text = f"Plan {plan.name!r} ({plan.plan_id}) {verb} with {len(plan.subtasks)} subtasks."
            if replaced is not None:
                text += f" The plan {replaced.name!r} was archived as abandoned."
            return text
        case FinishPlan():
            assert replaced is not None
            return f"Plan {replaced.name!r} finished as {arguments.state} and archived."
    assert plan is not None
    match arguments:
        case ReviseCurrentPlan(subtask_idx=index, action=action):
            assert replaced is not None
            name = (arguments.subtask or replaced.subtasks[index]).name
            return (
                f"Subtask {index} {PAST[action]}: {name!r}. "
                f"The plan has {len(plan.subtasks)} subtasks."
            )
        case UpdateSubtaskState(subtask_idx=index, state=state):
            return f"Subtask {index} ({plan.subtasks[index].name!r}) is now {state}."
        case FinishSubtask(subtask_idx=index):
            return f"Subtask {index} ({plan.subtasks[index].name!r}) is done. " + _next(plan)
    raise AssertionError(f"{type(arguments).__name__} records nothing")


def _next(plan: NotebookPlan) -> str:
    current = plan.in_progress
    if current is not None:
        return f"Subtask {current} ({plan.subtasks[current].name!r}) is now in progress."
    return "Every subtask is finished: call finish_plan."


def answer_query(tool: str, arguments: ToolArguments, state: NotebookState | None) -> str:
    """The answer of a read-only call, or `NotebookCallRefusedError`."""
    if isinstance(arguments, ViewHistoricalPlans):
        return historical_markdown(state)
    plan = state.current if state is not None else None
    if plan is None:
        raise NotebookCallRefusedError(tool, "there is no current plan", CREATE_ONE)
    if isinstance(arguments, GetSubtaskCount):
        return f"The current plan has {len(plan.subtasks)} subtasks."
    assert isinstance(arguments, ViewSubtasks)
    missing = [index for index in arguments.subtask_idx if index >= len(plan.subtasks)]
    if missing:
        raise NotebookCallRefusedError(
            tool,
            f"the plan has no subtask {missing[0]}",
            f"Use indexes from 0 to {len(plan.subtasks) - 1}.",
        )
    return subtasks_markdown(plan, arguments.subtask_idx)
