"""The tool statistics view: calls and outcomes per tool, over every plan (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from core import AttemptOutcome, PlanEvent, StepStarted, StepStatus, attempt_outcome
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

    How a call ended is what `core.attempt_outcome` says of its attempt: a timeout counts as a
    failure and as a timeout; a failure or timeout with a retry to follow counts a retry too.
    Interrupted and cancelled attempts (their events name no tool) count only as calls. The
    counters are incremented, so this view relies on the projector applying each event exactly
    once.
    """

    name: str = "tool_stats"
    row_types: tuple[type[Row], ...] = (ToolStatsRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The tool's counters after this event; nothing for an event that is no tool call."""
        if isinstance(event, StepStarted):
            tool, delta = event.tool, _Delta(calls=1)
        else:
            outcome = attempt_outcome(event)
            if outcome is None or outcome.tool is None:
                return []
            tool, delta = outcome.tool, _outcome_delta(outcome)
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


def _outcome_delta(outcome: AttemptOutcome) -> _Delta:
    """A completion, or a failure (a timeout is one too) with perhaps a retry to follow."""
    return _Delta(
        completed=int(outcome.step_status is StepStatus.COMPLETED),
        failures=int(outcome.tool_failed),
        retries=int(outcome.retry),
        timeouts=int(outcome.timed_out),
    )
