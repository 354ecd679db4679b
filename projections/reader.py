"""What a projection may read while it applies an event: current rows by key (pure protocol)."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from projections.rows import (
    NotebookPlanRow,
    NotebookRow,
    PlanDataRow,
    PlanStepRow,
    PlanSummaryRow,
    StepAttemptRow,
    ToolStatsRow,
)


class ViewState(Protocol):
    """The rows as they are now, including changes made earlier in the same batch."""

    def summary(self, plan_id: UUID) -> PlanSummaryRow | None:
        """The plan's summary row, if the plan is known."""
        ...

    def step(self, plan_id: UUID, step_id: str) -> PlanStepRow | None:
        """A step's latest-state row."""
        ...

    def data(self, plan_id: UUID, kind: str) -> PlanDataRow | None:
        """One of a plan's `plan_data` rows."""
        ...

    def attempt(self, plan_id: UUID, step_id: str, attempt: int) -> StepAttemptRow | None:
        """One attempt's row."""
        ...

    def tool_stats(self, tool: str) -> ToolStatsRow | None:
        """A tool's counters."""
        ...

    def notebook(self, notebook_id: UUID) -> NotebookRow | None:
        """A notebook's row, if it is known."""
        ...

    def notebook_plan(self, notebook_id: UUID, plan_id: UUID) -> NotebookPlanRow | None:
        """One notebook plan's row."""
        ...
