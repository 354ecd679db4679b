"""The event catalogue: every fact planledger records about a plan, as frozen models (pure).

The classes live in one module per family; this package is where the rest of core imports
them from, and the name under which they are stored (see `adapters.store.event_topics`).

Events are never edited once stored. A changed event gets a higher `class_version` and a static
`upcast_vN_vN+1(state)` method that turns a stored older state into the newer shape. A field
added with a default that old events simply lack is declared with `additive(...)` instead: it
is left out of the stored and hashed form while at its default, so old events keep their bytes.
"""

from __future__ import annotations

from core.domain.events.approval_events import ApprovalVoided, PlanQuarantined
from core.domain.events.base import ENGINE_ACTOR, SEAL_FIELDS, PlanEvent
from core.domain.events.generation_events import PlanDrafted
from core.domain.events.nesting_events import (
    StepsExpanded,
    StepsGathered,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.events.notebook_events import (
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    SubtaskFinished,
    SubtaskStateUpdated,
)
from core.domain.events.operator_events import (
    PlanPaused,
    PlanReopened,
    PlanUnpaused,
    StepRetryRequested,
    StepSkippedByOperator,
)
from core.domain.events.plan_events import (
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanExecutionStarted,
    PlanFailed,
    PlanPartiallyCompleted,
    PlanRejected,
    PlanResumed,
    PlanSubmitted,
)
from core.domain.events.quarantine_events import PlanQuarantinedAfterCrashes
from core.domain.events.revision_events import (
    PlanForked,
    StepAdded,
    StepRemoved,
    StepResultReused,
    StepRevised,
)
from core.domain.events.step_events import (
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.domain.status import PlanStatus

EVENT_TYPES: tuple[type[PlanEvent], ...] = (
    PlanCreated,
    PlanDrafted,
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
    ApprovalVoided,
    PlanQuarantined,
    NotebookPlanCreated,
    NotebookPlanRevised,
    SubtaskStateUpdated,
    SubtaskFinished,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    PlanQuarantinedAfterCrashes,
)
"""Every concrete event class, in the order a plan usually meets them (a notebook's last)."""

TERMINAL_EVENTS: dict[type[PlanEvent], PlanStatus] = {
    PlanCompleted: PlanStatus.COMPLETED,
    PlanFailed: PlanStatus.FAILED,
    PlanPartiallyCompleted: PlanStatus.PARTIAL,
    PlanCancelled: PlanStatus.CANCELLED,
    PlanRejected: PlanStatus.REJECTED,
    PlanQuarantinedAfterCrashes: PlanStatus.FAILED,
}
"""The events that end a plan, and the status each one leaves."""

__all__ = [
    "ENGINE_ACTOR",
    "EVENT_TYPES",
    "SEAL_FIELDS",
    "TERMINAL_EVENTS",
    "ApprovalVoided",
    "NotebookEvent",
    "NotebookPlanCreated",
    "NotebookPlanFinished",
    "NotebookPlanRecovered",
    "NotebookPlanRevised",
    "PlanApproved",
    "PlanCancelled",
    "PlanCompleted",
    "PlanCreated",
    "PlanDrafted",
    "PlanEvent",
    "PlanExecutionStarted",
    "PlanFailed",
    "PlanForked",
    "PlanPartiallyCompleted",
    "PlanPaused",
    "PlanQuarantined",
    "PlanQuarantinedAfterCrashes",
    "PlanRejected",
    "PlanReopened",
    "PlanResumed",
    "PlanSubmitted",
    "PlanUnpaused",
    "StepAdded",
    "StepCancelled",
    "StepCompleted",
    "StepFailed",
    "StepInterrupted",
    "StepPreparationFailed",
    "StepRemoved",
    "StepResultReused",
    "StepRetryRequested",
    "StepRevised",
    "StepSkipped",
    "StepSkippedByOperator",
    "StepStarted",
    "StepTimedOut",
    "StepsExpanded",
    "StepsGathered",
    "SubPlanFinished",
    "SubPlanStarted",
    "SubtaskFinished",
    "SubtaskStateUpdated",
]
