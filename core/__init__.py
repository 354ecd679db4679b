"""planledger's core: the pure domain (`core.domain`) and the application runtime beside it
(`core.runtime`). This module is their public API: projections, adapters and users import core
from here, never from a module inside it (import-linter enforces it for the other layers).

`core.domain` is deterministic: specs, events, the fold, the scheduler, decisions, validation,
trigger rules, the hash chain and the ports. It never reads the clock, randomness, the
environment or the network, and starts no thread: time comes in as an argument, ids from the
caller. `core.runtime` drives plans with it: the service that loads, decides and appends, the
engine that runs tools on threads, the call slots shared by a worker's engines, the sub-plan
runner, the notebook service and its tool functions, change hooks. It reaches the outside
world only through the ports, and reads time through the clock.
"""

from __future__ import annotations

from core.domain.approval_binding import (
    quarantine,
    spec_digest,
)
from core.domain.attempt_outcomes import (
    TIMED_OUT,
    AttemptOutcome,
    attempt_outcome,
)
from core.domain.chain_verification import (
    ChainFinding,
    ChainRow,
    ExpectedHead,
    verify_chain,
)
from core.domain.errors import (
    ApproverRequiredError,
    ConcurrencyError,
    ConflictRetriesExhaustedError,
    CorruptHistoryError,
    ExpressionError,
    InvalidInputError,
    InvalidInputsError,
    InvalidPlanSpecError,
    InvalidStepTransitionError,
    InvalidStoreUrlError,
    InvalidTraceparentError,
    InvalidTransitionError,
    NotAnApproverError,
    NotebookCallRefusedError,
    NotInHistoryError,
    PlanLedgerError,
    PlanNotFoundError,
    PlanNotGeneratedError,
    RevisionRefusedError,
    SecretsUnavailableError,
    SeparationOfDutiesError,
    SpecProblem,
    StepNotFoundError,
    StoreTamperedError,
    StoreUnavailableError,
    ToolFailedError,
    UntrustedHistoryError,
)
from core.domain.events import (
    EVENT_TYPES,
    SEAL_FIELDS,
    TERMINAL_EVENTS,
    ApprovalVoided,
    NotebookEvent,
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanDrafted,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanForked,
    PlanPartiallyCompleted,
    PlanPaused,
    PlanQuarantined,
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
    SubtaskFinished,
    SubtaskStateUpdated,
)
from core.domain.expansion_transitions import (
    ITEMS_FAILED,
    child_id,
    gathered_error,
)
from core.domain.external_steps import (
    EXTERNAL_FAILURE,
    EXTERNAL_TOOL,
    EXTERNAL_WORKER,
    ExternalParameters,
    awaiting_outcome,
    is_external,
)
from core.domain.generation import (
    ChatMessage,
    DraftReply,
    PlanDrafter,
    Round,
)
from core.domain.hash_chain import (
    event_hash,
)
from core.domain.json_value import (
    JsonObject,
    JsonValue,
)
from core.domain.notebook import (
    NotebookPlan,
    NotebookState,
    SubtaskSpec,
    SubtaskState,
    fold_notebook,
    notebook_id,
)
from core.domain.operator_transitions import (
    operator_skip_reason,
)
from core.domain.pause import (
    PAUSE_EVENTS,
    Pause,
    holding,
    pause_after,
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
from core.domain.progress import (
    progress,
)
from core.domain.result_refs import (
    BlobRef,
    BlobStore,
)
from core.domain.roles import (
    ROLE_PREFIX,
    Role,
    names_approver,
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
from core.runtime.change_hooks import (
    ChangeHook,
    ChangeHooks,
)
from core.runtime.large_results import (
    DEFAULT_INLINE_BYTES,
    DEFAULT_MAX_BYTES,
    LargeResults,
)
from core.runtime.notebook_service import (
    NotebookService,
)
from core.runtime.notebook_tools import (
    NotebookTools,
    ToolAnswer,
    ToolDefinition,
    tool_definitions,
)
from core.runtime.plan_generation import (
    GeneratedPlan,
    PlanGenerator,
)
from core.runtime.runtime_clock import (
    RuntimeClock,
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
    "EXTERNAL_FAILURE",
    "EXTERNAL_TOOL",
    "EXTERNAL_WORKER",
    "ITEMS_FAILED",
    "MAX_STEPS",
    "PAUSE_EVENTS",
    "REDACTED",
    "ROLE_PREFIX",
    "SEAL_FIELDS",
    "TERMINAL_EVENTS",
    "TIMED_OUT",
    "ApprovalVoided",
    "ApproverRequiredError",
    "AttemptOutcome",
    "BlobRef",
    "BlobStore",
    "CallSlots",
    "Callbacks",
    "ChainFinding",
    "ChainRow",
    "ChangeHook",
    "ChangeHooks",
    "ChatMessage",
    "Clock",
    "ConcurrencyError",
    "ConflictRetriesExhaustedError",
    "CorruptHistoryError",
    "DraftReply",
    "EventStore",
    "ExpectedHead",
    "ExpressionError",
    "Expressions",
    "ExternalParameters",
    "GeneratedPlan",
    "GraphNode",
    "IdFactory",
    "InvalidInputError",
    "InvalidInputsError",
    "InvalidPlanSpecError",
    "InvalidStepTransitionError",
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
    "NotebookCallRefusedError",
    "NotebookEvent",
    "NotebookPlan",
    "NotebookPlanCreated",
    "NotebookPlanFinished",
    "NotebookPlanRecovered",
    "NotebookPlanRevised",
    "NotebookService",
    "NotebookState",
    "NotebookTools",
    "Pause",
    "PlanApproved",
    "PlanCancelled",
    "PlanCompleted",
    "PlanCreated",
    "PlanDrafted",
    "PlanDrafter",
    "PlanEvent",
    "PlanExecutionStarted",
    "PlanFailed",
    "PlanForked",
    "PlanGenerator",
    "PlanGraph",
    "PlanLedgerError",
    "PlanNotFoundError",
    "PlanNotGeneratedError",
    "PlanOptions",
    "PlanPartiallyCompleted",
    "PlanPaused",
    "PlanQuarantined",
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
    "Role",
    "Round",
    "RuntimeClock",
    "Schedule",
    "SealedInputs",
    "SecretVault",
    "SecretsUnavailableError",
    "SeparationOfDutiesError",
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
    "StoreTamperedError",
    "StoreUnavailableError",
    "SubPlanStarted",
    "SubtaskFinished",
    "SubtaskSpec",
    "SubtaskState",
    "SubtaskStateUpdated",
    "Tool",
    "ToolAnswer",
    "ToolContext",
    "ToolDefinition",
    "ToolFailedError",
    "ToolRegistry",
    "TraceFold",
    "TraceParent",
    "TriggerRule",
    "UntrustedHistoryError",
    "attempt_outcome",
    "awaiting_outcome",
    "child_id",
    "decide",
    "elapsed_ms",
    "event_hash",
    "evolve",
    "fold",
    "fold_notebook",
    "gathered_error",
    "holding",
    "is_external",
    "names_approver",
    "next_due",
    "notebook_id",
    "only_waits_on_children",
    "operator_skip_reason",
    "parse_traceparent",
    "pause_after",
    "plan_graph",
    "plan_trace",
    "plan_view",
    "progress",
    "quarantine",
    "spec_digest",
    "tool_definitions",
    "trace_spans",
    "validate_spec",
    "verify_chain",
    "waiting_children",
]
