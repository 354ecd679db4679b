"""Events of a plan's life cycle: created, submitted, approved, executed, ended (pure)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core.domain.additive_fields import additive
from core.domain.events.base import PlanEvent
from core.domain.json_value import JsonObject
from core.domain.result_refs import BlobRef
from core.domain.secret_inputs import SealedInputs
from core.domain.spec import PlanSpec


class PlanCreated(PlanEvent):
    """A plan was created from a validated spec (`spec`, the whole of it) and its `inputs`.

    `inputs` passed the spec's `inputs_schema`; templates read them as `plan.inputs.NAME`.
    A sub-plan names its link: the `parent_plan_id` and `parent_step_id` that started it, the
    `root_plan_id` of the whole tree and its `depth` below the root (0 for a root plan).
    `traceparent` (W3C trace context) links the plan's trace to its caller's: given at creation,
    or, for a sub-plan, the span of the parent's attempt that started it. Inputs the schema
    marks secret are `***` in `inputs`; their values are in `sealed_inputs`, encrypted (see
    `core.domain.secret_inputs`).
    """

    spec: PlanSpec
    inputs: JsonObject = additive(default_factory=dict)
    parent_plan_id: UUID | None = additive(None)
    parent_step_id: str | None = additive(None)
    root_plan_id: UUID | None = additive(None)
    depth: int = additive(0)
    traceparent: str | None = additive(None)
    sealed_inputs: SealedInputs | None = additive(None)


class PlanSubmitted(PlanEvent):
    """The plan left `draft`: to `pending_approval` if `approval_required`, else `approved`.

    `approval_deadline` is when a pending approval expires (from `approval_timeout_ms`).
    `spec_digest` (of the spec and inputs, see `core.domain.approval_binding`), recorded when
    the plan requires approval, binds every approval of it to the spec it approves; plans
    submitted before it existed lack it, and their approvals stay unbound (legacy).
    """

    approval_required: bool
    approval_deadline: datetime | None = None
    spec_digest: str | None = additive(None)


class PlanApproved(PlanEvent):
    """The plan may execute; `by` approved it (`engine` for `auto_approve`).

    `spec_digest` is the digest of the spec and inputs that were approved: the approval covers
    exactly those. An approval recorded before it existed has none (unbound, legacy).
    """

    by: str
    comment: str = ""
    spec_digest: str | None = additive(None)


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


class PlanCompleted(PlanEvent):
    """Every step completed (or was skipped for a reason that is not a failure).

    `outputs` are the spec's `outputs`, resolved from the step results at completion; one over
    the inline limit is stored apart, named in `output_refs` and previewed in `outputs`.
    """

    outputs: JsonObject = additive(default_factory=dict)
    output_refs: dict[str, BlobRef] = additive(default_factory=dict)


class PlanFailed(PlanEvent):
    """A failure or a timeout ended the plan."""

    reason: str


class PlanPartiallyCompleted(PlanEvent):
    """The plan continued on error: some steps failed, some completed.

    `outputs` holds the spec's outputs that could be resolved from the steps that completed.
    """

    reason: str
    outputs: JsonObject = additive(default_factory=dict)
    output_refs: dict[str, BlobRef] = additive(default_factory=dict)


class PlanCancelled(PlanEvent):
    """A person cancelled the plan; running steps were asked to stop."""

    by: str
    reason: str
