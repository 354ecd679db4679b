"""planledger's core: the pure domain (`core.domain`) and the application runtime beside it
(`core.runtime`). This module is their public API: projections, adapters and users import core
from here, never from a module inside it (import-linter enforces it for the other layers).

`core.domain` is deterministic: specs, events, the fold, the scheduler, decisions, validation,
trigger rules, the hash chain and the ports. It never reads the clock, randomness, the
environment or the network, and starts no thread: time comes in as an argument, ids from the
caller. `core.runtime` drives plans with it: the service that loads, decides and appends, the
engine that runs tools on threads, the call slots shared by a worker's engines, the sub-plan
runner. It reaches the outside world only through the ports, and reads time through the clock.
"""

from __future__ import annotations

from core.domain.chain_verification import (
    ChainFinding,
    ChainRow,
    ExpectedHead,
    verify_chain,
)
from core.domain.errors import (
    ConcurrencyError,
    CorruptHistoryError,
    ExpressionError,
    InvalidInputError,
    InvalidInputsError,
    InvalidPlanSpecError,
    InvalidStoreUrlError,
    InvalidTraceparentError,
    InvalidTransitionError,
    NotAnApproverError,
    NotInHistoryError,
    PlanLedgerError,
    PlanNotFoundError,
    RevisionRefusedError,
    SecretsUnavailableError,
    SpecProblem,
    StepNotFoundError,
    StoreUnavailableError,
    ToolFailedError,
)
from core.domain.events import (
    EVENT_TYPES,
    TERMINAL_EVENTS,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanForked,
    PlanPartiallyCompleted,
    PlanPaused,
    PlanQuarantinedAfterCrashes,
    PlanRejected,
    PlanReopened,
    PlanResumed,
    PlanSubmitted,
    PlanUnpaused,
    StepAdded,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepRemoved,
    StepResultReused,
    StepRetryRequested,
    StepRevised,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepSkippedByOperator,
    StepStarted,
    StepTimedOut,
    SubPlanStarted,
)
from core.domain.expansion_transitions import (
    ITEMS_FAILED,
    child_id,
)
from core.domain.json_value import (
    JsonObject,
    JsonValue,
)
from core.domain.operator_transitions import (
    operator_skip_reason,
)
from core.domain.plan import (
    PlanState,
    StepState,
    evolve,
    fold,
)
from core.domain.plan_graph import (
    GraphNode,
    NodeKind,
    PlanGraph,
    plan_graph,
)
from core.domain.plan_view import (
    plan_view,
)
from core.domain.ports import (
    Clock,
    EventStore,
    Expressions,
    IdFactory,
    JsonSchemas,
)
from core.domain.result_refs import (
    BlobRef,
    BlobStore,
)
from core.domain.scheduler import (
    Schedule,
    decide,
    elapsed_ms,
)
from core.domain.secret_inputs import (
    REDACTED,
    SealedInputs,
    SecretVault,
)
from core.domain.spec import (
    MAX_STEPS,
    PlanOptions,
    PlanSpec,
    StepSpec,
)
from core.domain.status import (
    PlanStatus,
    StepStatus,
)
from core.domain.sub_plans import (
    next_due,
    only_waits_on_children,
    waiting_children,
)
from core.domain.trace_context import (
    PlanTrace,
    TraceParent,
    parse_traceparent,
    plan_trace,
)
from core.domain.trace_spans import (
    SpanMoment,
    SpanRecord,
    SpanStatus,
    TraceFold,
    trace_spans,
)
from core.domain.trigger_rules import (
    TriggerRule,
)
from core.domain.validation import (
    validate_spec,
)
from core.runtime.call_slots import (
    CallSlots,
)
from core.runtime.callbacks import (
    Callbacks,
)
from core.runtime.large_results import (
    DEFAULT_INLINE_BYTES,
    DEFAULT_MAX_BYTES,
    LargeResults,
)
from core.runtime.service import (
    PlanService,
)
from core.runtime.tools import (
    Tool,
    ToolContext,
    ToolRegistry,
)

__all__ = [
    "DEFAULT_INLINE_BYTES",
    "DEFAULT_MAX_BYTES",
    "EVENT_TYPES",
    "ITEMS_FAILED",
    "MAX_STEPS",
    "REDACTED",
    "TERMINAL_EVENTS",
    "BlobRef",
    "BlobStore",
    "CallSlots",
    "Callbacks",
    "ChainFinding",
    "ChainRow",
    "Clock",
    "ConcurrencyError",
    "CorruptHistoryError",
    "EventStore",
    "ExpectedHead",
    "ExpressionError",
    "Expressions",
    "GraphNode",
    "IdFactory",
    "InvalidInputError",
    "InvalidInputsError",
    "InvalidPlanSpecError",
    "InvalidStoreUrlError",
    "InvalidTraceparentError",
    "InvalidTransitionError",
    "JsonObject",
    "JsonSchemas",
    "JsonValue",
    "LargeResults",
    "NodeKind",
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
    "PlanGraph",
    "PlanLedgerError",
    "PlanNotFoundError",
    "PlanOptions",
    "PlanPartiallyCompleted",
    "PlanPaused",
    "PlanQuarantinedAfterCrashes",
    "PlanRejected",
    "PlanReopened",
    "PlanResumed",
    "PlanService",
    "PlanSpec",
    "PlanState",
    "PlanStatus",
    "PlanSubmitted",
    "PlanTrace",
    "PlanUnpaused",
    "RevisionRefusedError",
    "Schedule",
    "SealedInputs",
    "SecretVault",
    "SecretsUnavailableError",
    "SpanMoment",
    "SpanRecord",
    "SpanStatus",
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
    "Tool",
    "ToolContext",
    "ToolFailedError",
    "ToolRegistry",
    "TraceFold",
    "TraceParent",
    "TriggerRule",
    "child_id",
    "decide",
    "elapsed_ms",
    "evolve",
    "fold",
    "next_due",
    "only_waits_on_children",
    "operator_skip_reason",
    "parse_traceparent",
    "plan_graph",
    "plan_trace",
    "plan_view",
    "trace_spans",
    "validate_spec",
    "verify_chain",
    "waiting_children",
]
