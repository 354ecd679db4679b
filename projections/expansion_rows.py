"""How a `for_each` step's expansion and gathering change the plan summary's rows (pure).

Children are steps of the plan for the summary, as for the fold (`core.domain.plan_view`): each gets
a `plan_steps` row (`ID[index]`, positioned after the steps that existed before it) and is
counted in `total_steps` and the per-status counts, so progress moves as items finish. The
expanded step itself counts once, `running` from its expansion to its gathering.
"""

from __future__ import annotations

from typing import Any

from core import ITEMS_FAILED, StepsExpanded, StepsGathered, StepStatus, child_id
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import TERMINAL_STEP_STATUSES, PlanStepRow, PlanSummaryRow, Row


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
    counted = updated(
        summary,
        **head,
        total_steps=summary.total_steps + count,
        pending=summary.pending + count - 1,
        running=summary.running + 1,
    )
    return [_with_progress(counted), changed, *children]


def gathered_rows(
    summary: PlanSummaryRow, head: dict[str, Any], event: StepsGathered, view: ViewState
) -> list[Row]:
    """The parent ends with its children's results: completed, or failed naming an item."""
    parent = view.step(event.plan_id, event.step_id)
    if parent is None:
        return [updated(summary, **head)]
    failed = event.failed_items > 0
    status = StepStatus.FAILED if failed else StepStatus.COMPLETED
    changed = updated(
        parent,
        status=status.value,
        result=event.result,
        error_type=ITEMS_FAILED if failed else None,
        error_message=event.error_message if failed else None,
        duration_ms=event.duration_ms,
    )
    counted = updated(
        summary,
        **head,
        running=summary.running - 1,
        **{status.value: getattr(summary, status.value) + 1},
    )
    return [_with_progress(counted), changed]


def _with_progress(summary: PlanSummaryRow) -> PlanSummaryRow:
    """The share of steps that will never run again, as `core.plan_view` says."""
    done = sum(getattr(summary, name) for name in TERMINAL_STEP_STATUSES)
    total = summary.total_steps
    return updated(summary, progress=round(done / total, 4) if total else 1.0)
