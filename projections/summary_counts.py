"""How steps changing status move the plan summary's counts and its progress (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import StepStatus, progress
from projections.row_update import updated
from projections.rows import PlanSummaryRow


def recounted(
    summary: PlanSummaryRow, moves: Mapping[str, int], *, total: int = 0, **changes: Any
) -> PlanSummaryRow:
    """The summary with each status count moved by `moves` (status -> delta), `total_steps`
    by `total`, the progress as `core.progress` says, and any other `changes`."""
    counts = {
        status: getattr(summary, status.value) + moves.get(status.value, 0) for status in StepStatus
    }
    steps = summary.total_steps + total
    return updated(
        summary,
        **changes,
        **{name: counts[StepStatus(name)] for name in moves},
        total_steps=steps,
        progress=progress(counts, steps),
    )
