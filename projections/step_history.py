"""The step history view: one row per step attempt, from its start to its outcome (pure)."""

from __future__ import annotations

from core import AttemptOutcome, PlanEvent, StepStarted, StepStatus, attempt_outcome
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import Row, StepAttemptRow


class StepHistoryProjection:
    """Every attempt of every step: tool, worker, times, and how it ended.

    An attempt's status and error are those `core.attempt_outcome` gives its end: an attempt
    that failed stays `failed` even when a retry follows (the retry is a new attempt), one that
    ran past its timeout is `timed_out`, one a stop cut off is `interrupted`, and a cancelled
    one records the cancellation's reason as its error message. An outcome for an attempt the
    view does not know, or one that already ended, changes nothing.
    """

    name: str = "step_history"
    row_types: tuple[type[Row], ...] = (StepAttemptRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The attempt row this event creates or ends."""
        if isinstance(event, StepStarted):
            return _started(event, view)
        outcome = attempt_outcome(event)
        return [] if outcome is None else _ended(event, outcome, view)


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


def _ended(event: PlanEvent, outcome: AttemptOutcome, view: ViewState) -> list[Row]:
    row = view.attempt(event.plan_id, outcome.step_id, outcome.attempt)
    if row is None or row.status != StepStatus.RUNNING.value:
        return []
    error = outcome.error
    ended = updated(
        row,
        status=outcome.status,
        finished_at=event.timestamp,
        duration_ms=outcome.duration_ms,
        error_type=None if error is None else error.error_type,
        error_message=None if error is None else error.message,
    )
    return [ended]
