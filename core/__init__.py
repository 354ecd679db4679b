"""The planledger domain: specs, events, the fold, the scheduler and the service (pure).

Nothing here reads the clock, randomness, the environment or the network: time and ids come in
through the ports, and the same events always fold to the same state and the same decisions.
"""

from core.callbacks import Callbacks
from core.errors import (
    ConcurrencyError,
    CorruptHistoryError,
    ExpressionError,
    InvalidInputError,
    InvalidInputsError,
    InvalidPlanSpecError,
    InvalidStepTransitionError,
    InvalidStoreUrlError,
    InvalidTransitionError,
    NotAnApproverError,
    NotInHistoryError,
    PlanLedgerError,
    PlanNotFoundError,
    RevisionRefusedError,
    SpecProblem,
    StepNotFoundError,
    StoreUnavailableError,
    ToolFailedError,
)
from core.events import EVENT_TYPES, PlanEvent
from core.plan import PlanState, StepState, evolve, fold
from core.plan_view import plan_view
from core.ports import Clock, EventStore, Expressions, IdFactory, JsonSchemas
from core.scheduler import Schedule, decide
from core.service import PlanService
from core.spec import PlanOptions, PlanSpec, StepSpec
from core.status import PlanStatus, StepStatus
from core.tools import Tool, ToolContext, ToolRegistry
from core.trigger_rules import TriggerRule
from core.validation import validate_spec

__all__ = [
    "EVENT_TYPES",
    "Callbacks",
    "Clock",
    "ConcurrencyError",
    "CorruptHistoryError",
    "EventStore",
    "ExpressionError",
    "Expressions",
    "IdFactory",
    "InvalidInputError",
    "InvalidInputsError",
    "InvalidPlanSpecError",
    "InvalidStepTransitionError",
    "InvalidStoreUrlError",
    "InvalidTransitionError",
    "JsonSchemas",
    "NotAnApproverError",
    "NotInHistoryError",
    "PlanEvent",
    "PlanLedgerError",
    "PlanNotFoundError",
    "PlanOptions",
    "PlanService",
    "PlanSpec",
    "PlanState",
    "PlanStatus",
    "RevisionRefusedError",
    "Schedule",
    "SpecProblem",
    "StepNotFoundError",
    "StepSpec",
    "StepState",
    "StepStatus",
    "StoreUnavailableError",
    "Tool",
    "ToolContext",
    "ToolFailedError",
    "ToolRegistry",
    "TriggerRule",
    "decide",
    "evolve",
    "fold",
    "plan_view",
    "validate_spec",
]
