"""The public API of `core` is pinned: a name added or dropped is a decision, not an accident.

Projections, adapters and users import core only through `core` (import-linter enforces it
for the other layers); this list is what they may use.
"""

from __future__ import annotations

import core

PUBLIC = [
    "CallSlots",
    "Callbacks",
    "ChainFinding",
    "ChainRow",
    "Clock",
    "ConcurrencyError",
    "ConflictRetriesExhaustedError",
    "CorruptHistoryError",
    "EVENT_TYPES",
    "EventStore",
    "ExpectedHead",
    "ExpressionError",
    "Expressions",
    "ITEMS_FAILED",
    "IdFactory",
    "InvalidInputError",
    "InvalidInputsError",
    "InvalidPlanSpecError",
    "InvalidStoreUrlError",
    "InvalidTransitionError",
    "JsonObject",
    "JsonSchemas",
    "JsonValue",
    "MAX_STEPS",
    "NotAnApproverError",
    "NotInHistoryError",
    "PlanApproved",
    "PlanCancelled",
    "PlanCompleted",
    "PlanCreated",
    "PlanEvent",
    "PlanExecutionStarted",
    "PlanFailed",
    "PlanForked",
    "PlanLedgerError",
    "PlanNotFoundError",
    "PlanOptions",
    "PlanPartiallyCompleted",
    "PlanPaused",
    "PlanRejected",
    "PlanReopened",
    "PlanResumed",
    "PlanService",
    "PlanSpec",
    "PlanState",
    "PlanStatus",
    "PlanSubmitted",
    "PlanUnpaused",
    "RevisionRefusedError",
    "RuntimeClock",
    "Schedule",
    "SpecProblem",
    "StepAdded",
    "StepCancelled",
    "StepCompleted",
    "StepFailed",
    "StepInterrupted",
    "StepNotFoundError",
    "StepPreparationFailed",
    "StepRemoved",
    "StepResultReused",
    "StepRetryRequested",
    "StepRevised",
    "StepSkipped",
    "StepSkippedByOperator",
    "StepSpec",
    "StepStarted",
    "StepState",
    "StepStatus",
    "StepTimedOut",
    "StepsExpanded",
    "StepsGathered",
    "StoreUnavailableError",
    "SubPlanStarted",
    "TERMINAL_EVENTS",
    "Tool",
    "ToolContext",
    "ToolFailedError",
    "ToolRegistry",
    "TriggerRule",
    "child_id",
    "decide",
    "elapsed_ms",
    "evolve",
    "fold",
    "next_due",
    "only_waits_on_children",
    "operator_skip_reason",
    "plan_view",
    "validate_spec",
    "verify_chain",
    "waiting_children",
]


def test_core_exports_exactly_its_pinned_public_api() -> None:
    assert sorted(core.__all__) == PUBLIC


def test_every_exported_name_resolves() -> None:
    missing = [name for name in core.__all__ if not hasattr(core, name)]

    assert missing == []
