"""Plan and step statuses, and which of them are final (pure)."""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """Where a plan is in its life cycle."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    COMPLETED = "completed"
    FAILED = "failed"
    PARTIAL = "partial"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_terminal(self) -> bool:
        """True once nothing can change the plan's outcome any more."""
        return self in _TERMINAL_PLAN


class StepStatus(StrEnum):
    """Where a step is; a step waiting for a retry stays `pending`."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True for a step that will never run again."""
        return self not in (StepStatus.PENDING, StepStatus.RUNNING)


_TERMINAL_PLAN = frozenset(
    {
        PlanStatus.COMPLETED,
        PlanStatus.FAILED,
        PlanStatus.PARTIAL,
        PlanStatus.CANCELLED,
        PlanStatus.REJECTED,
    }
)
