"""The notebook's tool functions as pydantic models: each one's arguments, with the seed's names
(pure).

A model's docstring is the tool's description and its JSON Schema the tool's parameters, so
the definitions an LLM sees and the validation of its calls come from the same place.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.domain.events.notebook_events import Name, SubtaskSpec, Text

Index = Annotated[int, Field(ge=0, description="The subtask's index, starting from 0.")]


class ToolArguments(BaseModel):
    """Base of every tool's arguments: unknown arguments are refused, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CreatePlan(ToolArguments):
    """Create a plan of subtasks, done one after another. A plan that is current is archived
    as abandoned (it can be recovered later)."""

    name: Name = Field(description="The plan's name: concise and descriptive.")
    description: Text = Field(description="What the plan is for, its constraints and target.")
    expected_outcome: Text = Field(
        description="The outcome expected when the plan is done: specific and measurable."
    )
    subtasks: list[SubtaskSpec] = Field(min_length=1, description="The subtasks, in order.")


class ReviseCurrentPlan(ToolArguments):
    """Revise the current plan: add a subtask before an index, revise one, or delete one. A
    subtask that is done or abandoned cannot be revised or deleted."""

    subtask_idx: Index
    action: Literal["add", "revise", "delete"] = Field(
        description="add: insert `subtask` before `subtask_idx` (the number of subtasks appends "
        "it); revise: replace the subtask at `subtask_idx` with `subtask`; delete: remove it."
    )
    subtask: SubtaskSpec | None = Field(
        None, description="The new subtask, for add and revise; nothing for delete."
    )
    reason: Text = Field(min_length=1, description="Why the plan changes.")


class UpdateSubtaskState(ToolArguments):
    """Start a subtask (in_progress), put it back to todo, or abandon it. To mark a subtask as
    done, call finish_subtask with its outcome instead."""

    subtask_idx: Index
    state: Literal["todo", "in_progress", "abandoned"] = Field(description="The new state.")


class FinishSubtask(ToolArguments):
    """Mark a subtask as done with its outcome; the next subtask to do is started."""

    subtask_idx: Index
    subtask_outcome: Text = Field(
        min_length=1, description="What the subtask produced: specific and concrete."
    )


class ViewSubtasks(ToolArguments):
    """Show the details of the subtasks at the given indexes."""

    subtask_idx: list[Annotated[int, Field(ge=0)]] = Field(
        min_length=1, description="The indexes of the subtasks to show, starting from 0."
    )


class GetSubtaskCount(ToolArguments):
    """Count the subtasks of the current plan."""


class FinishPlan(ToolArguments):
    """Finish the current plan: done with its outcome, or abandoned with the reason (for
    example, the user no longer wants it). The plan is archived, never discarded."""

    state: Literal["done", "abandoned"] = Field(description="How the plan ends.")
    outcome: Text = Field(min_length=1, description="The outcome, or why the plan is abandoned.")


class ViewHistoricalPlans(ToolArguments):
    """List the archived plans: id, name, state, outcome."""


class RecoverHistoricalPlan(ToolArguments):
    """Make an archived plan current again; a plan that is current is archived as abandoned.
    Its finished subtasks stay finished."""

    plan_id: str = Field(description="The id of an archived plan (see view_historical_plans).")


TOOL_ARGUMENTS: dict[str, type[ToolArguments]] = {
    "create_plan": CreatePlan,
    "revise_current_plan": ReviseCurrentPlan,
    "update_subtask_state": UpdateSubtaskState,
    "finish_subtask": FinishSubtask,
    "view_subtasks": ViewSubtasks,
    "get_subtask_count": GetSubtaskCount,
    "finish_plan": FinishPlan,
    "view_historical_plans": ViewHistoricalPlans,
    "recover_historical_plan": RecoverHistoricalPlan,
}
"""Every tool function, by name, in the order an agent is shown them."""

QUERIES: frozenset[type[ToolArguments]] = frozenset(
    {ViewSubtasks, GetSubtaskCount, ViewHistoricalPlans}
)
"""The tools that only read: they record nothing."""
