"""How each event that ends a step's attempt leaves the attempt and its step (pure).

The fold (`core.domain.step_transitions`), the plan summary, the step history and the tool
statistics all read an attempt's end from here: the attempt's status, the step's status after
it (pending when the step runs again), the error type and message, the result (or its blob). A
new event that ends an attempt is described here once, and they all follow.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from core.domain.events import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepTimedOut,
)
from core.domain.json_value import JsonValue
from core.domain.plan_state import StepError
from core.domain.result_refs import BlobRef
from core.domain.status import StepStatus

TIMEOUT = "timeout"
"""The error type of an attempt that ran past its timeout."""

TIMED_OUT = "timed_out"
"""The status of an attempt that ran past its timeout (a step has no such status)."""

INTERRUPTED = "interrupted"
"""The error type, and the attempt's status, of an attempt a stop (a crash) cut off."""

CANCELLED = StepStatus.CANCELLED.value
"""The error type, and the attempt's status, of an attempt stopped because its plan was
cancelled or timed out."""

_COMPLETED = StepStatus.COMPLETED.value
_FAILED = StepStatus.FAILED.value


class AttemptOutcome(NamedTuple):
    """How attempt `attempt` of `step_id` ended, and what that leaves of its step.

    `status` is the attempt's: a step status, `timed_out` or `interrupted`. `step_status` is the
    step's after it: pending when the step runs again, after a retry (`retry`, due at
    `retry_at`, or at once when None) or at once after an interruption. `error` says why the
    attempt did not succeed, and becomes the step's error, except after a cancellation: the
    step keeps the error of its last failed attempt and shows `cancel_reason` as why it stopped.
    `tool` is the tool called, when the event names it.

    A named tuple: one is made for every such event the fold and each view apply, and a tuple
    is made several times faster than a frozen dataclass.
    """

    step_id: str
    attempt: int
    status: str
    step_status: StepStatus
    error: StepError | None = None
    duration_ms: int | None = None
    result: JsonValue = None
    result_ref: BlobRef | None = None
    output_refs: dict[str, BlobRef] | None = None
    retry: bool = False
    retry_at: datetime | None = None
    cancel_reason: str | None = None
    tool: str | None = None

    @property
    def sets_step_error(self) -> bool:
        """False after a cancellation, which leaves the step's last error as it was."""
        return self.step_status is not StepStatus.CANCELLED


ATTEMPT_ENDINGS = frozenset(
    {StepCompleted, StepFailed, StepTimedOut, StepInterrupted, StepCancelled}
)
"""The event classes that end an attempt, each described below.

Looked up by exact class first: every event the fold and the views apply asks, and most end no
attempt (a class pattern costs a pydantic `isinstance` each)."""


def attempt_outcome(event: PlanEvent) -> AttemptOutcome | None:
    """How `event` ended an attempt; None for an event that ends none."""
    if type(event) not in ATTEMPT_ENDINGS:
        return None
    match event:
        case StepCompleted():
            return AttemptOutcome(
                event.step_id,
                event.attempt,
                _COMPLETED,
                StepStatus.COMPLETED,
                duration_ms=event.duration_ms,
                result=event.result,
                result_ref=event.result_ref,
                output_refs=event.output_refs or None,
                tool=event.tool,
            )
        case StepFailed():
            error = StepError(event.error_type, event.message, event.details)
            return _failed(event, _FAILED, error)
        case StepTimedOut():
            return _failed(event, TIMED_OUT, StepError(TIMEOUT, event.error_message))
        case StepInterrupted():
            error = StepError(INTERRUPTED, event.error_message)
            return AttemptOutcome(
                event.step_id, event.attempt, INTERRUPTED, StepStatus.PENDING, error
            )
        case StepCancelled(reason=reason):
            error = StepError(CANCELLED, reason)
            return AttemptOutcome(
                event.step_id,
                event.attempt,
                CANCELLED,
                StepStatus.CANCELLED,
                error,
                cancel_reason=reason,
            )
        case _:
            return None


def _failed(event: StepFailed | StepTimedOut, status: str, error: StepError) -> AttemptOutcome:
    """A failed attempt: the step waits for its retry as `pending`, else it has failed."""
    return AttemptOutcome(
        event.step_id,
        event.attempt,
        status,
        StepStatus.PENDING if event.will_retry else StepStatus.FAILED,
        error,
        duration_ms=event.duration_ms,
        retry=event.will_retry,
        retry_at=event.retry_at,
        tool=event.tool,
    )
