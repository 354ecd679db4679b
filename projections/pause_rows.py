"""How an operator's pause shows in the plan summary: who paused a plan, why, when (pure).

The summary row's `paused_by`, `pause_reason` and `paused_at` hold the pause while it holds,
as `core.holding` says, and are empty otherwise, so a query reads them as they are. A plan that
ends while paused is not paused, but, as in the fold, its pause is kept: in a `plan_data` row
of kind `pause`, which an operator's reopening restores and empties.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import PAUSE_EVENTS, JsonValue, Pause, PlanEvent, PlanStatus, holding, pause_after
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import PlanDataRow, PlanSummaryRow, Row

ENDED_PAUSE = "pause"
"""The `plan_data` kind that keeps the pause a plan ended with, until it is reopened."""

_ENDED = frozenset(status.value for status in PlanStatus if status.is_terminal)
"""The statuses of plans that have ended, as the summary row holds them (checked per event)."""


def with_pause(
    before: PlanSummaryRow, rows: list[Row], event: PlanEvent, view: ViewState
) -> list[Row]:
    """`rows` (the plan's summary row first) with the plan's pause as it stands after `event`.

    Most events change neither the plan's status nor its pause: they are let through first.
    """
    after = rows[0]
    if not isinstance(after, PlanSummaryRow):
        return rows
    if after.status == before.status and type(event) not in PAUSE_EVENTS:
        return rows
    ended_before = before.status in _ENDED
    kept = _ended_pause(view, event) if ended_before else before.pause
    pause = pause_after(kept, event)
    ended = after.status in _ENDED
    if pause is kept and ended == ended_before:
        return rows
    changed = list(rows)
    shown = holding(pause, PlanStatus(after.status))
    if shown != after.pause:
        changed[0] = updated(after, **_columns(shown))
    remembered = pause if ended else None
    if remembered != (kept if ended_before else None):
        changed.append(PlanDataRow(event.plan_id, ENDED_PAUSE, _data(remembered)))
    return changed


def _columns(pause: Pause | None) -> dict[str, Any]:
    if pause is None:
        return {"paused_by": None, "pause_reason": None, "paused_at": None}
    return {"paused_by": pause.by, "pause_reason": pause.reason, "paused_at": pause.at}


def _data(pause: Pause | None) -> JsonValue:
    if pause is None:
        return None
    return {"by": pause.by, "reason": pause.reason, "at": pause.at.isoformat()}


def _ended_pause(view: ViewState, event: PlanEvent) -> Pause | None:
    row = view.data(event.plan_id, ENDED_PAUSE)
    data = None if row is None else row.data
    if not isinstance(data, dict):
        return None
    return Pause(str(data["by"]), str(data["reason"]), datetime.fromisoformat(str(data["at"])))
