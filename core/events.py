"""The event catalogue: every fact planledger records about a plan, as frozen models (pure).

Events are never edited once stored. A changed event gets a higher `class_version` and a static
`upcast_vN_vN+1(state)` method that turns a stored older state into the newer shape. A field
added with a default that old events simply lack is listed in `additive_fields` instead: it is
left out of the stored and hashed form while at its default, so old events keep their bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from core.additive_fields import AdditiveFields
from core.json_value import JsonObject, JsonValue
from core.spec import PlanSpec, StepSpec
from core.status import PlanStatus

ENGINE_ACTOR = "engine"
"""The actor named on events the engine decides by itself."""


class PlanEvent(BaseModel):
    """Fields every event carries.

    An event class that gains a field later also mixes in `AdditiveFields` (and lists it), so
    old events keep their bytes; the others skip that serializer, which runs on every dump.

    Attributes:
        originator_id: the plan the event belongs to.
        originator_version: the plan's version after this event (1 for `PlanCreated`).
        timestamp: when it happened (UTC), as given by the caller's clock.
        actor: who caused it: a person's name, or `engine`.
        correlation_id: shared by every event one command or one execution run produced.
        prev_hash: the hash of the plan's previous event (None for the first): the chain.
        hash: this event's own hash over its canonical form (see `core.hash_chain`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: str
    correlation_id: UUID
    prev_hash: str | None = None
    hash: str = ""

    @property
    def plan_id(self) -> UUID:
        """The plan this event belongs to."""
        return self.originator_id

    @property
    def version(self) -> int:
        """The plan's version after this event."""
        return self.originator_version


class PlanCreated(PlanEvent, AdditiveFields):
    """A plan was created from a validated spec (`spec`, the whole of it) and its `inputs`.

    `inputs` passed the spec's `inputs_schema`; templates read them as `plan.inputs.NAME`.
    A sub-plan names its link: the `parent_plan_id` and `parent_step_id` that started it, the
    `root_plan_id` of the whole tree and its `depth` below the root (0 for a root plan).
    """

    additive_fields: ClassVar[frozenset[str]] = frozenset(
        {"inputs", "parent_plan_id", "parent_step_id", "root_plan_id", "depth"}
    )

    spec: PlanSpec
    inputs: JsonObject = Field(default_factory=dict)
    parent_plan_id: UUID | None = None
    parent_step_id: str | None = None
    root_plan_id: UUID | None = None
    depth: int = 0


class PlanSubmitted(PlanEvent):
    """The plan left `draft`: to `pending_approval` if `approval_required`, else `approved`.

    `approval_deadline` is when a pending approval expires (from `approval_timeout_ms`).
    """

    approval_required: bool
    approval_deadline: datetime | None = None


class PlanApproved(PlanEvent):
    """The plan may execute; `by` approved it (`engine` for `auto_approve`)."""

    by: str
    comment: str = ""


class PlanRejected(PlanEvent):
    """The plan will never execute; `expired` when nobody approved it in time."""

    by: str
    reason: str
    expired: bool = False


class PlanExecutionStarted(PlanEvent):
    """Execution began; `deadline` is when the whole plan times out (`total_timeout_ms`)."""

    deadline: datetime | None = None


class PlanResumed(PlanEvent):
    """Someone resumed the plan after a stop; `interrupted_steps` were left running by it."""

    by: str
    interrupted_steps: tuple[str, ...] = ()


class StepStarted(PlanEvent):
    """Attempt `attempt` (1 for the first) of `step_id` began on `worker` with `parameters`."""

    step_id: str
    attempt: int
    tool: str
    worker: str
    parameters: JsonObject


class StepCompleted(PlanEvent):
    """The attempt of `tool` succeeded with `result` after `duration_ms`."""

    step_id: str
    attempt: int
    tool: str
    result: JsonValue = None
    duration_ms: int


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


class StepSkipped(PlanEvent, AdditiveFields):
    """The step will not run: `reason`, and the step that caused it (`cause_step_id`) if any.

    `by_condition` is true when the skip comes from a `when` that was false (this step's, or an
    upstream one's, propagated): trigger rules count such a step as skipped, not failed.
    """

    additive_fields: ClassVar[frozenset[str]] = frozenset({"by_condition"})

    step_id: str
    reason: str
    cause_step_id: str | None = None
    by_condition: bool = False


class StepPreparationFailed(PlanEvent):
    """The step failed without running: its `when` or a parameter template could not be evaluated.

    `error_type` is `condition_error` or `parameter_error`; `field` names where (`when`,
    `parameters.url`). Evaluation is deterministic, so the step is not retried.
    """

    step_id: str
    field: str
    error_type: str
    message: str


class StepCancelled(PlanEvent):
    """A running attempt was stopped because the plan was cancelled or timed out."""

    step_id: str
    attempt: int
    reason: str


class StepsExpanded(PlanEvent):
    """A `for_each` step fanned out into one child step per item, `ID[index]`, in item order.

    `items` are the values its `for_each` evaluated to; each child's parameters read its item
    as `item` and its position as `index`. The step itself runs until `StepsGathered`.
    """

    step_id: str
    items: list[JsonValue]


class StepsGathered(PlanEvent):
    """Every child of an expanded step ended; the step ended with them (the reduce).

    `result` lists the children's results in item order (null where a child did not complete);
    the step completed when `failed_items` is 0 and failed otherwise. `first_failed` names the
    first child that did not complete; `duration_ms` runs from the expansion.
    """

    step_id: str
    result: list[JsonValue]
    failed_items: int
    first_failed: str | None = None
    duration_ms: int

    @property
    def error_message(self) -> str:
        """How the fold, the views and people describe a map whose items did not all complete."""
        total = len(self.result)
        return f"{self.failed_items} of {total} items did not complete (first: {self.first_failed})"


class SubPlanStarted(PlanEvent):
    """Attempt `attempt` of plan step `step_id` created child plan `child_plan_id` and runs it.

    The child sits at `depth` below `root_plan_id`; the engine approved it with its parent.
    """

    step_id: str
    attempt: int
    child_plan_id: UUID
    depth: int
    root_plan_id: UUID


class SubPlanFinished(PlanEvent):
    """The child plan of `step_id` ended with `status` (its `outputs`, or `reason` if it failed).

    The step's own `StepCompleted` (result: the outputs) or `StepFailed` follows in the same batch.
    """

    step_id: str
    attempt: int
    child_plan_id: UUID
    status: str
    outputs: JsonObject = Field(default_factory=dict)
    reason: str | None = None


class PlanCompleted(PlanEvent, AdditiveFields):
    """Every step completed (or was skipped for a reason that is not a failure).

    `outputs` are the spec's `outputs`, resolved from the step results at completion.
    """

    additive_fields: ClassVar[frozenset[str]] = frozenset({"outputs"})

    outputs: JsonObject = Field(default_factory=dict)


class PlanFailed(PlanEvent):
    """A failure or a timeout ended the plan."""

    reason: str


class PlanPartiallyCompleted(PlanEvent, AdditiveFields):
    """The plan continued on error: some steps failed, some completed.

    `outputs` holds the spec's outputs that could be resolved from the steps that completed.
    """

    additive_fields: ClassVar[frozenset[str]] = frozenset({"outputs"})

    reason: str
    outputs: JsonObject = Field(default_factory=dict)


class PlanCancelled(PlanEvent):
    """A person cancelled the plan; running steps were asked to stop."""

    by: str
    reason: str


class StepAdded(PlanEvent):
    """`by` added `step` (validated with the whole revised spec) to a plan that has not ended."""

    step: StepSpec
    by: str
    reason: str


class StepRevised(PlanEvent):
    """`by` replaced the spec of a step that has not started with `step`; `fields` changed."""

    step: StepSpec
    fields: tuple[str, ...]
    by: str
    reason: str


class StepRemoved(PlanEvent):
    """`by` removed a step that had not started and that no other step depends on."""

    step_id: str
    by: str
    reason: str


class PlanForked(PlanEvent):
    """This plan was forked by `by` from `source_plan_id` as it stood at `source_version`.

    `from_step` and every step downstream of it run again; the others reuse their results.
    """

    source_plan_id: UUID
    source_version: int
    from_step: str
    by: str


class StepResultReused(PlanEvent):
    """The step completed with `result`, recorded by `source_plan_id`: no tool was called."""

    step_id: str
    source_plan_id: UUID
    result: JsonValue = None


class PlanPaused(PlanEvent):
    """An operator paused the plan: no new step starts until `PlanUnpaused`.

    Attempts already running finish and are recorded; time-outs, the plan's deadline and an
    approval's expiry keep counting.
    """

    by: str
    reason: str


class PlanUnpaused(PlanEvent):
    """An operator lifted the pause: steps start again."""

    by: str
    reason: str


class PlanReopened(PlanEvent):
    """A plan that ended failed or partial goes back to executing, for an operator's retry or skip.

    `deadline` is the new end of its total timeout (counted afresh from the reopening).
    """

    by: str
    reason: str
    deadline: datetime | None = None


class StepRetryRequested(PlanEvent):
    """An operator asked for a new attempt of the failed step `step_id`.

    `reopened_steps` were skipped because of it (directly, through a chain of skips, or because
    its failure stopped the plan) and are pending again. Attempt numbers keep counting; the
    step's `max_retries` applies afresh from the new attempt.
    """

    step_id: str
    by: str
    reason: str
    reopened_steps: tuple[str, ...] = ()


class StepSkippedByOperator(PlanEvent):
    """An operator marked the failed or pending step `step_id` skipped.

    Trigger rules count it as a success, so its dependants may run; `reopened_steps` were
    skipped because of it and are pending again.
    """

    step_id: str
    by: str
    reason: str
    reopened_steps: tuple[str, ...] = ()


EVENT_TYPES: tuple[type[PlanEvent], ...] = (
    PlanCreated,
    PlanSubmitted,
    PlanApproved,
    PlanRejected,
    PlanExecutionStarted,
    PlanResumed,
    StepStarted,
    StepCompleted,
    StepFailed,
    StepTimedOut,
    StepInterrupted,
    StepSkipped,
    StepPreparationFailed,
    StepCancelled,
    SubPlanStarted,
    SubPlanFinished,
    PlanCompleted,
    PlanFailed,
    PlanPartiallyCompleted,
    PlanCancelled,
    StepAdded,
    StepRevised,
    StepRemoved,
    PlanForked,
    StepResultReused,
    StepsExpanded,
    StepsGathered,
    PlanPaused,
    PlanUnpaused,
    PlanReopened,
    StepRetryRequested,
    StepSkippedByOperator,
)
"""Every concrete event class, in the order a plan usually meets them."""

TERMINAL_EVENTS: dict[type[PlanEvent], PlanStatus] = {
    PlanCompleted: PlanStatus.COMPLETED,
    PlanFailed: PlanStatus.FAILED,
    PlanPartiallyCompleted: PlanStatus.PARTIAL,
    PlanCancelled: PlanStatus.CANCELLED,
    PlanRejected: PlanStatus.REJECTED,
}
"""The events that end a plan, and the status each one leaves."""
