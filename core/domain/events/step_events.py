"""Events of one step attempt: started, and each way it can end (pure)."""

from __future__ import annotations

from datetime import datetime

from core.domain.additive_fields import additive
from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonObject, JsonValue
from core.domain.result_refs import BlobRef


class StepStarted(PlanEvent):
    """Attempt `attempt` (1 for the first) of `step_id` began on `worker` with `parameters`."""

    step_id: str
    attempt: int
    tool: str
    worker: str
    parameters: JsonObject


class StepCompleted(PlanEvent):
    """The attempt of `tool` succeeded with `result` after `duration_ms`.

    A result over the inline limit is stored apart: `result_ref` names it (the chain covers its
    digest) and `result` holds its preview (`BlobRef.view()`). A plan step's result is its
    child's outputs: `output_refs` names those the child stored apart (its `PlanCompleted`'s
    `output_refs`, by output name), previewed in `result` under the same names.
    """

    step_id: str
    attempt: int
    tool: str
    result: JsonValue = None
    duration_ms: int
    result_ref: BlobRef | None = additive(None)
    output_refs: dict[str, BlobRef] = additive(default_factory=dict)


class StepFailed(PlanEvent):
    """The attempt failed. If `will_retry`, the next attempt is due at `retry_at`.

    `error_type` is a stable name (`exit_code`, `interrupted`, an exception class name);
    `details` holds what the tool returned beside the error (for example stderr).
    """

    step_id: str
    attempt: int
    tool: str
    error_type: str
    message: str
    details: JsonValue = None
    duration_ms: int
    will_retry: bool = False
    retry_at: datetime | None = None


class StepTimedOut(PlanEvent):
    """The attempt ran past `timeout_ms` and was abandoned; a retry follows as for `StepFailed`."""

    step_id: str
    attempt: int
    tool: str
    timeout_ms: int
    duration_ms: int
    will_retry: bool = False
    retry_at: datetime | None = None

    @property
    def error_message(self) -> str:
        """How the fold, the views and people describe this failure."""
        return f"attempt {self.attempt} ran past {self.timeout_ms} ms"


class StepInterrupted(PlanEvent):
    """An idempotent attempt was cut off by a stop (a crash); the step will run again."""

    step_id: str
    attempt: int
    worker: str

    @property
    def error_message(self) -> str:
        """How the fold, the views and people describe this interruption."""
        return f"attempt {self.attempt} on {self.worker} was cut off"


class StepSkipped(PlanEvent):
    """The step will not run: `reason`, and the step that caused it (`cause_step_id`) if any.

    `by_condition` is true when the skip comes from a `when` that was false (this step's, or an
    upstream one's, propagated): trigger rules count such a step as skipped, not failed.
    """

    step_id: str
    reason: str
    cause_step_id: str | None = None
    by_condition: bool = additive(False)


class StepPreparationFailed(PlanEvent):
    """The step failed without running: its `when` or a parameter template could not be evaluated.

    `error_type` is `condition_error` or `parameter_error`; `field` names where (`when`,
    `parameters.url`). Evaluation is deterministic, so the step is not retried.
    """

    step_id: str
    field: str
    error_type: str
    message: str

    @property
    def error_message(self) -> str:
        """How the fold, the views and people describe this failure: where, then what."""
        return f"{self.field}: {self.message}"


class StepCancelled(PlanEvent):
    """A running attempt was stopped because the plan was cancelled or timed out."""

    step_id: str
    attempt: int
    reason: str
