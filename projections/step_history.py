"""The step history view: one row per step attempt, from its start to its outcome (pure)."""

from __future__ import annotations

from core import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepStarted,
    StepStatus,
    StepTimedOut,
)
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import Row, StepAttemptRow

ATTEMPT_TIMED_OUT = "timed_out"
"""An attempt's status when it ran past its timeout (a step has no such status)."""

ATTEMPT_INTERRUPTED = "interrupted"
"""An attempt's status when a stop (a crash) cut it off; the step runs again."""

AttemptOutcome = StepCompleted | StepFailed | StepTimedOut | StepInterrupted | StepCancelled
"""The events that end an attempt."""


class StepHistoryProjection:
    """Every attempt of every step: tool, worker, times, and how it ended.

    An attempt that failed stays `failed` even when a retry follows: the retry is a new attempt.
    A cancelled attempt records the cancellation's reason as its error message. An outcome for
    an attempt the view does not know, or one that already ended, changes nothing.
    """

    name: str = "step_history"
    row_types: tuple[type[Row], ...] = (StepAttemptRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The attempt row this event creates or ends."""
        match event:
            case StepStarted():
                return _started(event, view)
            case (
                StepCompleted()
                | StepFailed()
                | StepTimedOut()
                | StepInterrupted()
                | StepCancelled()
            ):
                return _ended(event, view)
            case _:
                return []


def _started(event: StepStarted, view: ViewState) -> list[Row]:
    if view.attempt(event.plan_id, event.step_id, event.attempt) is not None:
        return []
    return [
        StepAttemptRow(
            plan_id=event.plan_id,
            step_id=event.step_id,
            attempt=event.attempt,
            tool=event.tool,
            status=StepStatus.RUNNING.value,
            started_at=event.timestamp,
            finished_at=None,
            duration_ms=None,
            error_type=None,
            error_message=None,
            worker=event.worker,
        )
    ]


def _ended(event: AttemptOutcome, view: ViewState) -> list[Row]:
    row = view.attempt(event.plan_id, event.step_id, event.attempt)
    if row is None or row.status != StepStatus.RUNNING.value:
        return []
    return [_outcome(updated(row, finished_at=event.timestamp), event)]


def _outcome(row: StepAttemptRow, event: AttemptOutcome) -> StepAttemptRow:
    match event:
        case StepCompleted(duration_ms=duration_ms):
            return updated(row, status=StepStatus.COMPLETED.value, duration_ms=duration_ms)
        case StepFailed(duration_ms=duration_ms, error_type=error_type, message=message):
            return updated(
                row,
                status=StepStatus.FAILED.value,
                duration_ms=duration_ms,
                error_type=error_type,
                error_message=message,
            )
        case StepTimedOut(duration_ms=duration_ms):
            return updated(
                row,
                status=ATTEMPT_TIMED_OUT,
                duration_ms=duration_ms,
                error_type="timeout",
                error_message=event.error_message,
            )
        case StepInterrupted():
            return updated(
                row,
                status=ATTEMPT_INTERRUPTED,
                error_type="interrupted",
                error_message=event.error_message,
            )
        case StepCancelled(reason=reason):
            return updated(
                row, status=StepStatus.CANCELLED.value, error_type="cancelled", error_message=reason
            )
