"""The tool statistics view: calls and outcomes per tool, over every plan (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from core import PlanEvent, StepCompleted, StepFailed, StepStarted, StepTimedOut
from projections.reader import ViewState
from projections.rows import Row, ToolStatsRow


@dataclass(frozen=True)
class _Delta:
    """What one event adds to a tool's counters."""

    calls: int = 0
    completed: int = 0
    failures: int = 0
    retries: int = 0
    timeouts: int = 0


class ToolStatsProjection:
    """How often each tool was called, and how its calls ended.

    A timeout counts as a failure and as a timeout; a failure or timeout with a retry to follow
    counts a retry too. Interrupted and cancelled attempts count only as calls. The counters are
    incremented, so this view relies on the projector applying each event exactly once.
    """

    name: str = "tool_stats"
    row_types: tuple[type[Row], ...] = (ToolStatsRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The tool's counters after this event; nothing for an event that is no tool call."""
        match event:
            case StepStarted(tool=tool):
                delta = _Delta(calls=1)
            case StepCompleted(tool=tool):
                delta = _Delta(completed=1)
            case StepFailed(tool=tool, will_retry=will_retry):
                delta = _Delta(failures=1, retries=int(will_retry))
            case StepTimedOut(tool=tool, will_retry=will_retry):
                delta = _Delta(failures=1, retries=int(will_retry), timeouts=1)
            case _:
                return []
        row = view.tool_stats(tool) or ToolStatsRow(tool, 0, 0, 0, 0, 0)
        return [
            ToolStatsRow(
                tool=tool,
                calls=row.calls + delta.calls,
                completed=row.completed + delta.completed,
                failures=row.failures + delta.failures,
                retries=row.retries + delta.retries,
                timeouts=row.timeouts + delta.timeouts,
            )
        ]
