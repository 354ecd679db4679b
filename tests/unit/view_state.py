"""An in-memory `ViewState` for the projection tests: rows in dicts keyed by each row's KEY."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.json_value import JsonObject, JsonValue
from projections import PROJECTIONS, Projection
from projections.plan_revisions import FORKED_FROM, REMOVED
from projections.rows import (
    NotebookPlanRow,
    NotebookRow,
    PlanDataRow,
    PlanStepRow,
    PlanSummaryRow,
    Row,
    StepAttemptRow,
    ToolStatsRow,
)

R = TypeVar("R", bound=Row)


class InMemoryViewState:
    """The rows of every view, upserted by key as a storage adapter would."""

    def __init__(self) -> None:
        self.tables: dict[type, dict[tuple[object, ...], Row]] = {}

    def apply(self, projection: Projection, event: PlanEvent) -> list[Row]:
        """Apply one event through one projection and upsert the rows it returns."""
        rows = projection.apply(event, self)
        foreign = [row for row in rows if not isinstance(row, projection.row_types)]
        assert foreign == [], f"{projection.name} returned rows it does not own: {foreign}"
        for row in rows:
            key = tuple(getattr(row, name) for name in row.KEY)
            self.tables.setdefault(type(row), {})[key] = row
        return rows

    def project(
        self, events: Iterable[PlanEvent], projections: Iterable[Projection] = PROJECTIONS
    ) -> InMemoryViewState:
        """Apply every event through every projection, event by event."""
        chosen = tuple(projections)
        for event in events:
            for projection in chosen:
                self.apply(projection, event)
        return self

    def rows(self, row_type: type[R]) -> list[R]:
        """Every row of one type, in the order they were first written."""
        return [row for row in self.tables.get(row_type, {}).values() if isinstance(row, row_type)]

    def snapshot(self) -> dict[type, dict[tuple[object, ...], Row]]:
        """A copy of every table, to compare two states."""
        return {row_type: dict(rows) for row_type, rows in self.tables.items()}

    def summary(self, plan_id: UUID) -> PlanSummaryRow | None:
        return self._get(PlanSummaryRow, plan_id)

    def step(self, plan_id: UUID, step_id: str) -> PlanStepRow | None:
        return self._get(PlanStepRow, plan_id, step_id)

    def data(self, plan_id: UUID, kind: str) -> PlanDataRow | None:
        return self._get(PlanDataRow, plan_id, kind)

    def attempt(self, plan_id: UUID, step_id: str, attempt: int) -> StepAttemptRow | None:
        return self._get(StepAttemptRow, plan_id, step_id, attempt)

    def tool_stats(self, tool: str) -> ToolStatsRow | None:
        return self._get(ToolStatsRow, tool)

    def notebook(self, notebook_id: UUID) -> NotebookRow | None:
        return self._get(NotebookRow, notebook_id)

    def notebook_plan(self, notebook_id: UUID, plan_id: UUID) -> NotebookPlanRow | None:
        return self._get(NotebookPlanRow, notebook_id, plan_id)

    def _get(self, row_type: type[R], *key: object) -> R | None:
        row = self.tables.get(row_type, {}).get(key)
        assert row is None or isinstance(row, row_type)
        return row


def projected(
    events: Iterable[PlanEvent], projections: Iterable[Projection] = PROJECTIONS
) -> InMemoryViewState:
    """A fresh view state with these events applied."""
    return InMemoryViewState().project(events, projections)


def projected_plan_view(view: InMemoryViewState, plan_id: UUID) -> JsonObject:
    """The summary and step rows in the shape of `core.domain.plan_view.plan_view`."""
    summary = view.summary(plan_id)
    assert summary is not None
    rows = sorted(
        (row for row in view.rows(PlanStepRow) if row.plan_id == plan_id),
        key=lambda row: row.position,
    )
    steps: list[JsonValue] = [step_as_view(row) for row in rows if row.status != REMOVED]
    fork = view.tables.get(PlanDataRow, {}).get((plan_id, FORKED_FROM))
    linked = {"forked_from": fork.data} if isinstance(fork, PlanDataRow) else {}
    return {
        "id": str(plan_id),
        "name": summary.name,
        "description": summary.description,
        "status": summary.status,
        "reason": summary.reason,
        "version": summary.last_version,
        "created_by": summary.created_by,
        "approved_by": summary.approved_by,
        "steps": steps,
        "summary": {
            "total_steps": summary.total_steps,
            "completed": summary.completed,
            "failed": summary.failed,
            "skipped": summary.skipped,
            "cancelled": summary.cancelled,
            "pending": summary.pending,
            "running": summary.running,
            "progress": summary.progress,
        },
        **linked,
    }


def step_as_view(row: PlanStepRow) -> JsonObject:
    """One step row in the shape of `core.domain.plan_view.step_view`."""
    error: JsonValue = None
    if row.error_type is not None:
        error = {"type": row.error_type, "message": row.error_message}
    return {
        "id": row.step_id,
        "tool": row.tool,
        "status": row.status,
        "attempts": row.attempts,
        "result": row.result,
        "error": error,
        "skip_reason": row.skip_reason,
        "duration_ms": row.duration_ms,
    }
