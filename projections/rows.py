"""The rows of every read model: what each view holds (pure).

Each row type has a primary key (`KEY`, its field names); projections return whole rows and the
storage adapter upserts them by that key. Times are aware UTC datetimes; JSON columns hold
plain JSON values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from core import JsonValue, Pause, StepStatus


@dataclass(frozen=True)
class PlanSummaryRow:
    """`plan_summary`: one row per plan, for listing and filtering plans.

    A count column per step status; `paused_by`, `pause_reason` and `paused_at` say who paused
    the plan, why and when while the pause holds (all None when the plan is not paused).
    """

    KEY: ClassVar[tuple[str, ...]] = ("plan_id",)

    plan_id: UUID
    name: str | None
    description: str
    status: str
    total_steps: int
    pending: int
    running: int
    completed: int
    failed: int
    skipped: int
    cancelled: int
    progress: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    created_by: str
    approved_by: str | None
    rejected_by: str | None
    reason: str | None
    last_version: int
    last_event_at: datetime
    head_hash: str
    paused_by: str | None
    pause_reason: str | None
    paused_at: datetime | None

    @property
    def pause(self) -> Pause | None:
        """The pause that holds now, if the plan is paused."""
        if self.paused_by is None or self.paused_at is None:
            return None
        return Pause(self.paused_by, self.pause_reason or "", self.paused_at)


@dataclass(frozen=True)
class PlanStepRow:
    """`plan_steps`: one row per step of a plan, its latest state (what `plans show` lists)."""

    KEY: ClassVar[tuple[str, ...]] = ("plan_id", "step_id")

    plan_id: UUID
    step_id: str
    position: int
    tool: str
    status: str
    attempts: int
    result: JsonValue
    error_type: str | None
    error_message: str | None
    skip_reason: str | None
    duration_ms: int | None

    @classmethod
    def pending(cls, plan_id: UUID, step_id: str, position: int, tool: str) -> PlanStepRow:
        """The row of a step that has not run yet: created, added by a revision, or expanded."""
        return cls(
            plan_id=plan_id,
            step_id=step_id,
            position=position,
            tool=tool,
            status=StepStatus.PENDING.value,
            attempts=0,
            result=None,
            error_type=None,
            error_message=None,
            skip_reason=None,
            duration_ms=None,
        )


@dataclass(frozen=True)
class PlanDataRow:
    """`plan_data`: a plan's `inputs` or `outputs` (`kind`), written when not empty (and outputs
    emptied again when an operator reopens the plan), and the other data of a plan its
    projection keeps: sub-plan links, a fork's source, the pause an ended plan keeps."""

    KEY: ClassVar[tuple[str, ...]] = ("plan_id", "kind")

    plan_id: UUID
    kind: str
    data: JsonValue


@dataclass(frozen=True)
class StepAttemptRow:
    """`step_history`: one row per step attempt."""

    KEY: ClassVar[tuple[str, ...]] = ("plan_id", "step_id", "attempt")

    plan_id: UUID
    step_id: str
    attempt: int
    tool: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    error_type: str | None
    error_message: str | None
    worker: str


@dataclass(frozen=True)
class AuditRow:
    """`audit_log`: one row per human or policy action on a plan."""

    KEY: ClassVar[tuple[str, ...]] = ("plan_id", "version")

    plan_id: UUID
    version: int
    action: str
    actor: str
    at: datetime
    reason: str | None
    event_type: str
    event_hash: str


@dataclass(frozen=True)
class ToolStatsRow:
    """`tool_stats`: one row per tool; p50/p95 durations are computed from `step_history`."""

    KEY: ClassVar[tuple[str, ...]] = ("tool",)

    tool: str
    calls: int
    completed: int
    failures: int
    retries: int
    timeouts: int


@dataclass(frozen=True)
class NotebookRow:
    """`notebooks`: one row per plan notebook: its name, current plan, and head."""

    KEY: ClassVar[tuple[str, ...]] = ("notebook_id",)

    notebook_id: UUID
    name: str
    current_plan_id: UUID | None
    plans: int
    last_version: int
    last_event_at: datetime
    head_hash: str


@dataclass(frozen=True)
class NotebookPlanRow:
    """`notebook_plans`: one row per notebook plan, as it stands (`subtasks`: name, state and
    outcome of each, in order)."""

    KEY: ClassVar[tuple[str, ...]] = ("notebook_id", "plan_id")

    notebook_id: UUID
    plan_id: UUID
    notebook: str
    name: str
    state: str
    current: bool
    total: int
    todo: int
    in_progress: int
    done: int
    abandoned: int
    subtasks: JsonValue
    outcome: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    last_version: int


Row = (
    PlanSummaryRow
    | PlanStepRow
    | PlanDataRow
    | StepAttemptRow
    | AuditRow
    | ToolStatsRow
    | NotebookRow
    | NotebookPlanRow
)
