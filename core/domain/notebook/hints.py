"""The hint: what an agent should do next, given its notebook's current plan (pure).

Deterministic text from the fold, one template per state: no plan; a plan just created; a
subtask in progress; none in progress with some left; all finished; all abandoned. Agents get
it in their context before each step (the CLI's `agent hint`, an MCP resource).
"""

from __future__ import annotations

from core.domain.events.notebook_events import SubtaskState
from core.domain.notebook.markdown import plan_markdown, subtask_details
from core.domain.notebook.state import NotebookPlan, NotebookState

NO_PLAN = (
    "There is no current plan. If the task is complex (building an application, a change "
    "across many files) or needs a long chain of steps (research across several sources), "
    "create a plan first with create_plan. A simple task can be done directly, without a plan. "
    "view_historical_plans lists earlier plans, which recover_historical_plan can bring back."
)

JUST_CREATED = (
    "Nothing has started yet. Your options:\n"
    "- Start the first subtask: update_subtask_state with subtask_idx=0 and "
    "state='in_progress', then do it.\n"
    "- If it cannot be done yet, find out why: ask the user for what is missing, or change the "
    "plan with revise_current_plan.\n"
    "- If the user no longer wants this plan, confirm it with them and call finish_plan with "
    "state='abandoned'."
)

IN_PROGRESS = (
    "Subtask {index} ('{name}') is in progress:\n{details}\n"
    "Your options:\n"
    "- Go on with it; when it is done, call finish_subtask with subtask_idx={index} and its "
    "outcome (the next subtask then starts by itself).\n"
    "- If it cannot be done, abandon it (update_subtask_state, state='abandoned') or change "
    "the plan with revise_current_plan.\n"
    "- Ask the user if you need more information."
)

NONE_IN_PROGRESS = (
    "No subtask is in progress; every one before subtask {next} is finished. Your options:\n"
    "- Start subtask {next} ('{name}'): update_subtask_state with subtask_idx={next} and "
    "state='in_progress'.\n"
    "- Change the plan with revise_current_plan, or ask the user for what is missing."
)

ALL_DONE = (
    "Every subtask is finished. Your options:\n"
    "- Call finish_plan with state='done' and the plan's outcome, and sum up for the user what "
    "was done and what came of it.\n"
    "- If something is still missing, add a subtask with revise_current_plan."
)

ALL_ABANDONED = (
    "Every subtask was abandoned; none is done. Your options:\n"
    "- Call finish_plan with state='abandoned' and the reason.\n"
    "- Or add subtasks that can be done with revise_current_plan, or create a new plan."
)

PREFIX, SUFFIX = "<system-hint>", "</system-hint>"


def hint(state: NotebookState | None) -> str:
    """The hint for the notebook as it stands, wrapped in `<system-hint>` tags."""
    plan = state.current if state is not None else None
    text = NO_PLAN if plan is None else f"The current plan:\n```\n{plan_markdown(plan)}\n```\n"
    if plan is not None:
        text += _options(plan)
    return f"{PREFIX}{text}{SUFFIX}"


def _options(plan: NotebookPlan) -> str:
    current = plan.in_progress
    if current is not None:
        subtask = plan.subtasks[current]
        details = "\n".join(subtask_details(subtask))
        return IN_PROGRESS.format(index=current, name=subtask.name, details=details)
    if plan.all_finished:
        return ALL_ABANDONED if plan.count(SubtaskState.DONE) == 0 else ALL_DONE
    if plan.state is SubtaskState.TODO:
        return JUST_CREATED
    upcoming = next(i for i, s in enumerate(plan.subtasks) if s.state is SubtaskState.TODO)
    return NONE_IN_PROGRESS.format(next=upcoming, name=plan.subtasks[upcoming].name)
