"""How a `for_each` step's expansion and gathering change the plan summary's rows (pure).

Children are steps of the plan for the summary, as for the fold (`core.domain.plan_view`): each gets
a `plan_steps` row (`ID[index]`, positioned after the steps that existed before it) and is
counted in `total_steps` and the per-status counts, so progress moves as items finish. The
expanded step itself counts once, `running` from its expansion to its gathering.
"""

from __future__ import annotations

from typing import Any

from core import StepsExpanded, StepsGathered, StepStatus, child_id, gathered_error
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import PlanStepRow, PlanSummaryRow, Row
from projections.summary_counts import recounted


def expanded_rows(
    summary: PlanSummaryRow, head: dict[str, Any], event: StepsExpanded, view: ViewState
) -> list[Row]:
    """The parent now runs; one pending row per child; the counts grow by the children."""
    parent = view.step(event.plan_id, event.step_id)
    if parent is None:
        return [updated(summary, **head)]
    count = len(event.items)
    children: list[Row] = [
        PlanStepRow.pending(
            event.plan_id, child_id(event.step_id, index), summary.total_steps + index, parent.tool
        )
        for index in range(count)
    ]
    changed = updated(parent, status=StepStatus.RUNNING.value)
    moves = {StepStatus.PENDING.value: count - 1, StepStatus.RUNNING.value: 1}
    return [recounted(summary, moves, total=count, **head), changed, *children]


def gathered_rows(
    summary: PlanSummaryRow, head: dict[str, Any], event: StepsGathered, view: ViewState
) -> list[Row]:
    """The parent ends with its children's results: completed, or failed naming an item."""
    parent = view.step(event.plan_id, event.step_id)
    if parent is None:
        return [updated(summary, **head)]
    error = gathered_error(event)
    status = StepStatus.COMPLETED if error is None else StepStatus.FAILED
    changed = updated(
        parent,
        status=status.value,
        result=event.result,
        error_type=None if error is None else error.error_type,
        error_message=None if error is None else error.message,
        duration_ms=event.duration_ms,
    )
    moves = {StepStatus.RUNNING.value: -1, status.value: 1}
    return [recounted(summary, moves, **head), changed]
