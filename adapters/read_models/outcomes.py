"""What the projector reports: where each projection stands, and why one stopped."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class ProjectionFailure:
    """A projection could not apply the event at `position`; it stays just before it."""

    name: str
    position: int
    event_type: str
    plan_id: UUID | None
    error: str

    @property
    def cause(self) -> str:
        """The event (its type and plan) and the error: what the tracking row records."""
        plan = f" of plan {self.plan_id}" if self.plan_id is not None else ""
        return f"{self.event_type}{plan}: {self.error}"

    def __str__(self) -> str:
        plan = f" of plan {self.plan_id}" if self.plan_id is not None else ""
        return (
            f"projection {self.name} stopped at event {self.position} "
            f"({self.event_type}{plan}): {self.error}"
        )


@dataclass(frozen=True)
class ProjectionReport:
    """One projection after a catch-up: its position, how many events it applied, any failure."""

    name: str
    position: int
    applied: int
    failure: ProjectionFailure | None = None
