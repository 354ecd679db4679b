"""The tool statistics view: calls and outcomes per tool, over every plan (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from core import TIMED_OUT, PlanEvent, StepStarted, StepStatus, attempt_outcome
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

    An attempt's end is counted by the status `core.attempt_outcome` gives it: a timeout counts
    as a failure and as a timeout; a failure or timeout with a retry to follow counts a retry
    too. Interrupted and cancelled attempts count only as calls. The counters are incremented,
    so this view relies on the projector applying each event exactly once.
    """

    name: str = "tool_stats"
    row_types: tuple[type[Row], ...] = (ToolStatsRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The tool's counters after this event; nothing for an event that is no tool call."""
        if isinstance(event, StepStarted):
            tool, delta = event.tool, _STARTED
        else:
            outcome = attempt_outcome(event)
            if outcome is None:
                return []
            counted = _ENDED.get((outcome.status, outcome.retry))
            if counted is None or outcome.tool is None:
                return []
            tool, delta = outcome.tool, counted
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


_STARTED = _Delta(calls=1)

_ENDED = {
    (StepStatus.COMPLETED.value, False): _Delta(completed=1),
    (StepStatus.FAILED.value, False): _Delta(failures=1),
    (StepStatus.FAILED.value, True): _Delta(failures=1, retries=1),
    (TIMED_OUT, False): _Delta(failures=1, timeouts=1),
    (TIMED_OUT, True): _Delta(failures=1, retries=1, timeouts=1),
}
"""What an attempt's end adds, by the attempt's status and whether a retry follows."""
