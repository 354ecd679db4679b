"""A plan's state as the fold leaves it, with the indexes the scheduler reads (pure).

The fold (`core.domain.plan`) updates these in place, per event, from what that event touched;
that is what keeps the cost of a scheduling decision proportional to what changed, not to the
plan's size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from core.domain.json_value import JsonObject, JsonValue
from core.domain.pause import Pause, holding
from core.domain.result_refs import BlobRef
from core.domain.secret_inputs import SealedInputs
from core.domain.spec import PlanSpec, StepSpec
from core.domain.status import PlanStatus, StepStatus
from core.domain.trace_context import PlanTrace, plan_trace
from core.domain.trigger_rules import Ending, Tally


@dataclass(frozen=True)
class StepError:
    """Why the last attempt of a step failed."""

    error_type: str
    message: str
    details: JsonValue = None


@dataclass
class StepState:
    """One step as its events left it.

    A child of a `for_each` step (`ID[index]`) names its `parent` and holds its `item` and
    `index`; its `spec` is the parent's, without dependencies, condition or `for_each`.
    """

    spec: StepSpec
    timeout_ms: int | None
    status: StepStatus = StepStatus.PENDING
    attempt: int = 0
    worker: str | None = None
    parameters: JsonObject | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int | None = None
    result: JsonValue = None
    result_ref: BlobRef | None = None
    output_refs: dict[str, BlobRef] | None = None
    """A plan step's: its child's outputs stored apart, by name (previewed in `result`)."""
    item_refs: dict[int, BlobRef] | None = None
    """A gathered `for_each` step's: its items' results stored apart, by index (previewed in
    `result`)."""
    error: StepError | None = None
    retry_at: datetime | None = None
    skip_reason: str | None = None
    blocked_as_skipped: bool = False
    ending: Ending | None = None
    parent: str | None = None
    item: JsonValue = None
    index: int = 0
    child_plan_id: UUID | None = None
    skip_cause: str | None = None
    retried_after: int = 0
    """Attempts before an operator's retry: `max_retries` counts the attempts after them."""


@dataclass(frozen=True)
class ForkLink:
    """Where a forked plan came from: the source plan, its version, the step it re-ran from."""

    source_plan_id: UUID
    source_version: int
    from_step: str


@dataclass
class Expansion:
    """A `for_each` step's children, in item order, and how many of them have not ended."""

    children: tuple[str, ...]
    open: int


@dataclass
class PlanState:
    """A plan as its events left it, with the scheduler's indexes."""

    plan_id: UUID
    spec: PlanSpec
    created_at: datetime
    created_by: str
    correlation_id: UUID
    inputs: JsonObject = field(default_factory=dict)
    sealed_inputs: SealedInputs | None = None
    """The secret inputs, encrypted (`inputs` shows them as `***`)."""
    outputs: JsonObject = field(default_factory=dict)
    output_refs: dict[str, BlobRef] = field(default_factory=dict)
    """The outputs stored apart, by name (previewed in `outputs`)."""
    version: int = 1
    status: PlanStatus = PlanStatus.DRAFT
    last_event_at: datetime | None = None
    head_hash: str | None = None
    approval_deadline: datetime | None = None
    approved_by: str | None = None
    rejected_by: str | None = None
    cancelled_by: str | None = None
    reason: str | None = None
    started_at: datetime | None = None
    deadline: datetime | None = None
    finished_at: datetime | None = None
    steps: dict[str, StepState] = field(default_factory=dict)
    dependants: dict[str, list[str]] = field(default_factory=dict)
    unmet: dict[str, int] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)
    ready: dict[str, None] = field(default_factory=dict)
    running: dict[str, None] = field(default_factory=dict)
    retrying: dict[str, datetime] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    counts: Counter[StepStatus] = field(default_factory=Counter)
    stopped_by: str | None = None
    forked_from: ForkLink | None = None
    expansions: dict[str, Expansion] = field(default_factory=dict)
    gathering: dict[str, None] = field(default_factory=dict)
    parent_plan_id: UUID | None = None
    parent_step_id: str | None = None
    root_plan_id: UUID | None = None
    depth: int = 0
    pause: Pause | None = None
    """The operator's latest pause, kept once the plan ends (see `core.domain.pause`)."""
    traceparent: str | None = None
    binds_approval: bool = False
    """The plan was submitted with a spec digest: each approval must cover the spec as it stands."""
    approval_void: bool = False
    """A revision voided the approval: nothing starts until someone approves again."""
    approval_gap: str | None = None
    """Why the recorded approval does not cover the plan (a forged or inconsistent history)."""
    revised_by: set[str] = field(default_factory=set)
    """Who revised the plan: with `separation_of_duties` they may not approve it."""
    quarantined: str | None = None
    """Why a writer holding trusted keys refused the plan; nothing starts in it again."""

    def item_ended(self, parent: str) -> None:
        """A child of `parent` ended; once none is left, the parent waits to be gathered."""
        expansion = self.expansions[parent]
        expansion.open -= 1
        if expansion.open == 0:
            self.gathering[parent] = None

    @property
    def root_id(self) -> UUID:
        """The root of the plan's sub-plan tree (itself for a root plan)."""
        return self.root_plan_id or self.plan_id

    @property
    def trace(self) -> PlanTrace:
        """Where this plan's spans go (see `core.domain.trace_context`)."""
        return plan_trace(self.plan_id, self.traceparent)

    @property
    def is_terminal(self) -> bool:
        """True once the plan has ended."""
        return self.status.is_terminal

    @property
    def starts_held(self) -> bool:
        """True while no step may start for want of a trustworthy approval (or a quarantine)."""
        return self.approval_void or self.approval_gap is not None or self.quarantined is not None

    @property
    def paused(self) -> bool:
        """True while an operator's pause holds: no step starts. A plan that ends is not paused."""
        return holding(self.pause, self.status) is not None

    @property
    def paused_by(self) -> str | None:
        """Who paused the plan last, if the pause was not lifted (kept once the plan ends)."""
        return None if self.pause is None else self.pause.by

    @property
    def pause_reason(self) -> str | None:
        """Why, for `paused_by`."""
        return None if self.pause is None else self.pause.reason

    @property
    def paused_at(self) -> datetime | None:
        """When, for `paused_by`."""
        return None if self.pause is None else self.pause.at
