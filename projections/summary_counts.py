"""How steps changing status move the plan summary's counts and its progress (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import StepStatus, progress
from projections.row_update import updated
from projections.rows import PlanSummaryRow

_COUNT_COLUMNS = tuple(status.value for status in StepStatus)
"""The summary's count columns, one per step status, each named by the status's value."""


def recounted(
    summary: PlanSummaryRow, moves: Mapping[str, int], *, total: int = 0, **changes: Any
) -> PlanSummaryRow:
    """The summary with each status count moved by `moves` (status -> delta), `total_steps`
    by `total`, the progress as `core.progress` says, and any other `changes`."""
    counts = {name: getattr(summary, name) for name in _COUNT_COLUMNS}
    for name, delta in moves.items():
        changes[name] = counts[name] = counts[name] + delta
    steps = summary.total_steps + total
    if total:
        changes["total_steps"] = steps
    changes["progress"] = progress(counts, steps)
    return updated(summary, **changes)
