"""How revisions and forks change the plan summary and the audit log (pure).

An added step gets a row after every step the plan had (positions from `MAX_STEPS` on, by
version, so the order is the fold's); a removed step's row stays as a tombstone with status
`removed`, which queries leave out (the projector only upserts). A reused result completes a
step's row without an attempt: it is no tool call, so step history and tool stats ignore it.
A fork's link to its source is a `plan_data` row of kind `forked_from`.
"""

from __future__ import annotations

from typing import Any

from core import (
    MAX_STEPS,
    PlanEvent,
    PlanForked,
    StepAdded,
    StepRemoved,
    StepResultReused,
    StepRevised,
    StepStatus,
)
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import PlanDataRow, PlanStepRow, PlanSummaryRow, Row
from projections.summary_counts import recounted

REMOVED = "removed"
"""The status of a removed step's tombstone row in `plan_steps`."""

FORKED_FROM = "forked_from"
"""The `plan_data` kind that holds a fork's source plan, version and step."""

RevisionEvent = StepAdded | StepRevised | StepRemoved | StepResultReused | PlanForked
"""The events handled here."""


def revision_rows(
    summary: PlanSummaryRow, head: dict[str, Any], event: RevisionEvent, view: ViewState
) -> list[Row]:
    """The summary (and step or data) rows a revision or fork event changes."""
    moved = updated(summary, **head)
    match event:
        case StepAdded(step=step):
            row = PlanStepRow.pending(event.plan_id, step.id, MAX_STEPS + event.version, step.tool)
            return [recounted(moved, {StepStatus.PENDING.value: 1}, total=1), row]
        case StepRevised(step=step):
            current = view.step(event.plan_id, step.id)
            return [moved] if current is None else [moved, updated(current, tool=step.tool)]
        case StepRemoved(step_id=step_id):
            current = view.step(event.plan_id, step_id)
            if current is None:
                return [moved]
            removed = updated(current, status=REMOVED)
            return [recounted(moved, {StepStatus.PENDING.value: -1}, total=-1), removed]
        case StepResultReused(step_id=step_id, result=result):
            current = view.step(event.plan_id, step_id)
            if current is None:
                return [moved]
            reused = updated(current, status=StepStatus.COMPLETED.value, result=result)
            moves = {StepStatus.PENDING.value: -1, StepStatus.COMPLETED.value: 1}
            return [recounted(moved, moves), reused]
        case PlanForked():
            link = {
                "plan_id": str(event.source_plan_id),
                "version": event.source_version,
                "from_step": event.from_step,
            }
            return [moved, PlanDataRow(event.plan_id, FORKED_FROM, link)]


def revision_audit(event: PlanEvent) -> tuple[str, str, str] | None:
    """(action, actor, reason) of a revision or a fork for the audit log; None for others."""
    match event:
        case StepAdded(step=step, by=by, reason=reason):
            return "step_added", by, f"step {step.id!r}: {reason}"
        case StepRevised(step=step, fields=fields, by=by, reason=reason):
            return "step_revised", by, f"step {step.id!r} ({', '.join(fields)}): {reason}"
        case StepRemoved(step_id=step_id, by=by, reason=reason):
            return "step_removed", by, f"step {step_id!r}: {reason}"
        case PlanForked(by=by):
            return (
                "forked",
                by,
                f"from plan {event.source_plan_id} version {event.source_version}, "
                f"re-running {event.from_step!r} and its dependants",
            )
        case _:
            return None
