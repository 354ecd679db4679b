"""A notebook as its events left it: its plans, the current one, their subtasks (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from core.domain.events.notebook_events import SubtaskSpec, SubtaskState


@dataclass
class Subtask:
    """One subtask of a notebook plan."""

    name: str
    description: str
    expected_outcome: str
    created_at: datetime
    state: SubtaskState = SubtaskState.TODO
    outcome: str | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, spec: SubtaskSpec, at: datetime) -> Subtask:
        """A new `todo` subtask as the agent wrote it."""
        return cls(spec.name, spec.description, spec.expected_outcome, at)


@dataclass
class NotebookPlan:
    """One plan of a notebook: current, or archived as `done` or `abandoned`."""

    plan_id: UUID
    name: str
    description: str
    expected_outcome: str
    subtasks: list[Subtask]
    created_at: datetime
    created_by: str
    max_subtasks: int | None = None
    finished_as: SubtaskState | None = None
    outcome: str | None = None
    finished_at: datetime | None = None

    @property
    def state(self) -> SubtaskState:
        """Follows the subtasks until the plan is finished: `todo` before any of them moved."""
        if self.finished_as is not None:
            return self.finished_as
        if all(subtask.state is SubtaskState.TODO for subtask in self.subtasks):
            return SubtaskState.TODO
        return SubtaskState.IN_PROGRESS

    @property
    def in_progress(self) -> int | None:
        """The index of the subtask in progress, if one is."""
        return next(
            (i for i, s in enumerate(self.subtasks) if s.state is SubtaskState.IN_PROGRESS), None
        )

    def count(self, state: SubtaskState) -> int:
        """How many subtasks are in `state`."""
        return sum(1 for subtask in self.subtasks if subtask.state is state)

    @property
    def all_finished(self) -> bool:
        """True when every subtask is done or abandoned."""
        return all(subtask.state.is_finished for subtask in self.subtasks)


@dataclass
class NotebookState:
    """A notebook: every plan it ever had (in creation order) and which one is current."""

    notebook_id: UUID
    name: str
    version: int = 0
    head_hash: str | None = None
    last_event_at: datetime | None = None
    plans: dict[UUID, NotebookPlan] = field(default_factory=dict)
    current_id: UUID | None = None

    @property
    def current(self) -> NotebookPlan | None:
        """The plan the agent works on now, if any."""
        return self.plans[self.current_id] if self.current_id is not None else None

    @property
    def historical(self) -> list[NotebookPlan]:
        """Every archived plan, oldest first."""
        return [plan for plan_id, plan in self.plans.items() if plan_id != self.current_id]
