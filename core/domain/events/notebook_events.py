"""Events of a plan notebook: every tool call an agent (or a person) makes on it (pure).

A notebook is one aggregate: its id is derived from its name (`notebook_id`), its events form
one hash chain, and each event names the notebook plan it is about (`notebook_plan_id`). A
subtask is named by its index in its plan at the time of the call, as the agent named it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.domain.events.base import PlanEvent

NOTEBOOK_NAMESPACE = UUID("5c1e7d0a-8f4b-4e57-9a51-2d9a0f3c6b11")
"""The namespace notebook ids are derived in: one name, one notebook, in every store."""

Text = Annotated[str, StringConstraints(max_length=10_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def notebook_id(name: str) -> UUID:
    """The id of the notebook called `name` (deterministic)."""
    return uuid5(NOTEBOOK_NAMESPACE, name)


class SubtaskState(StrEnum):
    """Where a subtask is; `done` and `abandoned` are final."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"

    @property
    def is_finished(self) -> bool:
        """True for a subtask that can never change again."""
        return self in (SubtaskState.DONE, SubtaskState.ABANDONED)


class SubtaskSpec(BaseModel):
    """A subtask as the agent wrote it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name = Field(description="The subtask's name: concise and descriptive, a few words.")
    description: Text = Field(
        description="What to do: the constraints, the target and what is to be achieved, "
        "specific and measurable."
    )
    expected_outcome: Text = Field(
        description="The outcome expected of the subtask: specific, concrete and measurable."
    )


class NotebookEvent(PlanEvent):
    """Fields every notebook event carries beside `PlanEvent`'s.

    Attributes:
        notebook_plan_id: the notebook plan the call was about (the new one for a creation).
    """

    notebook_plan_id: UUID

    @property
    def notebook_id(self) -> UUID:
        """The notebook this event belongs to (its aggregate id)."""
        return self.originator_id


class NotebookPlanCreated(NotebookEvent):
    """A plan was created in notebook `notebook` with its `subtasks`, all `todo`.

    `max_subtasks` is the notebook's limit when it was created (None: no limit); revisions of
    this plan keep to it.
    """

    notebook: Name
    name: Name
    description: Text
    expected_outcome: Text
    subtasks: tuple[SubtaskSpec, ...]
    max_subtasks: int | None = None


class NotebookPlanRevised(NotebookEvent):
    """A subtask was added before `subtask_idx`, revised, or deleted, for `reason`."""

    action: Literal["add", "revise", "delete"]
    subtask_idx: int
    subtask: SubtaskSpec | None = None
    reason: Text


class SubtaskStateUpdated(NotebookEvent):
    """The subtask at `subtask_idx` was started, put back to `todo`, or abandoned."""

    subtask_idx: int
    state: SubtaskState


class SubtaskFinished(NotebookEvent):
    """The subtask at `subtask_idx` is done, with its `outcome`."""

    subtask_idx: int
    outcome: Text


class NotebookPlanFinished(NotebookEvent):
    """The plan was archived as `done` or `abandoned` with its `outcome` (or why it was replaced).

    `replaced` is true when a new or recovered plan took its place.
    """

    state: Literal["done", "abandoned"]
    outcome: Text
    replaced: bool = False


class NotebookPlanRecovered(NotebookEvent):
    """An archived plan became the notebook's current plan again; its finished subtasks stay so."""
