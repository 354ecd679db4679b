"""A plan's state and the fold that builds it from events (pure).

The fold keeps, beside each step's status, the indexes the scheduler needs (ready, running,
waiting for a retry, blocked by a dependency), updated per event from what that event touched.
That is what keeps the cost of a decision proportional to what changed, not to the plan's size.
For the same reason `evolve` updates the state in place and returns it: the fold owns it, and
an older state is had by folding a prefix of the events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from core.errors import CorruptHistoryError
from core.events import (
    TERMINAL_EVENTS,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanPartiallyCompleted,
    PlanRejected,
    PlanResumed,
    PlanSubmitted,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.json_value import JsonObject, JsonValue
from core.spec import PlanSpec, StepSpec
from core.status import PlanStatus, StepStatus
from core.trigger_rules import Ending, Tally, Verdict, verdict


@dataclass(frozen=True)
class StepError:
    """Why the last attempt of a step failed."""

    error_type: str
    message: str
    details: JsonValue = None


@dataclass
class StepState:
    """One step as its events left it."""

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
    error: StepError | None = None
    retry_at: datetime | None = None
    skip_reason: str | None = None
    blocked_as_skipped: bool = False


@dataclass
class PlanState:
    """A plan as its events left it, with the scheduler's indexes."""

    plan_id: UUID
    spec: PlanSpec
    created_at: datetime
    created_by: str
    correlation_id: UUID
    inputs: JsonObject = field(default_factory=dict)
    outputs: JsonObject = field(default_factory=dict)
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

    @property
    def is_terminal(self) -> bool:
        """True once the plan has ended."""
        return self.status.is_terminal


def fold(events: Iterable[PlanEvent]) -> PlanState:
    """Build a plan's state from its events, oldest first."""
    state: PlanState | None = None
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise CorruptHistoryError("?", 0, "no events")
    return state


def evolve(state: PlanState | None, event: PlanEvent) -> PlanState:
    """Apply one event to the state (in place) and return it; `None` before `PlanCreated`."""
    if state is None:
        if not isinstance(event, PlanCreated) or event.version != 1:
            raise CorruptHistoryError(
                event.plan_id, event.version, "history must start with PlanCreated"
            )
        return _created(event)
    if event.plan_id != state.plan_id or event.version != state.version + 1:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"expected version {state.version + 1} of {state.plan_id}"
        )
    if event.prev_hash != state.head_hash:
        raise CorruptHistoryError(
            event.plan_id, event.version, "prev_hash does not match the previous event's hash"
        )
    _apply(state, event)
    terminal = TERMINAL_EVENTS.get(type(event))
    if terminal is not None:
        state.status = terminal
        state.finished_at = event.timestamp
    state.version = event.version
    state.last_event_at = event.timestamp
    state.head_hash = event.hash
    return state


def _created(event: PlanCreated) -> PlanState:
    spec = event.spec
    state = PlanState(
        plan_id=event.plan_id,
        spec=spec,
        created_at=event.timestamp,
        created_by=event.actor,
        correlation_id=event.correlation_id,
        inputs=event.inputs,
        last_event_at=event.timestamp,
        head_hash=event.hash,
    )
    for step in spec.steps:
        state.steps[step.id] = StepState(spec=step, timeout_ms=spec.step_timeout_ms(step))
        state.dependants.setdefault(step.id, [])
        state.unmet[step.id] = len(step.depends_on)
        state.tallies[step.id] = Tally(len(step.depends_on))
        if not step.depends_on:
            state.ready[step.id] = None
    for step in spec.steps:
        for dependency in step.depends_on:
            state.dependants[dependency].append(step.id)
    state.counts[StepStatus.PENDING] = len(spec.steps)
    return state


def _step(state: PlanState, event: PlanEvent, step_id: str) -> StepState:
    step = state.steps.get(step_id)
    if step is None:
        raise CorruptHistoryError(event.plan_id, event.version, f"unknown step {step_id!r}")
    return step


def _set_status(state: PlanState, step: StepState, status: StepStatus) -> None:
    state.counts[step.status] -= 1
    state.counts[status] += 1
    step.status = status


def _leave_pending(state: PlanState, step_id: str) -> None:
    state.ready.pop(step_id, None)
    state.retrying.pop(step_id, None)
    state.blocked.pop(step_id, None)


def _settle(state: PlanState, step_id: str, ending: Ending) -> None:
    """A step ended: count it for each dependant and let the dependant's trigger rule decide.

    A dependant its rule already released (ready, started) or condemned (blocked) stays so.
    """
    for dependant in state.dependants[step_id]:
        state.unmet[dependant] -= 1
        tally = state.tallies[dependant]
        tally.count(ending)
        step = state.steps[dependant]
        if (
            step.status is not StepStatus.PENDING
            or step.attempt > 0
            or dependant in state.ready
            or dependant in state.blocked
        ):
            continue
        match verdict(step.spec.trigger, tally):
            case Verdict.RUN:
                state.ready[dependant] = None
            case Verdict.SKIP_AS_FAILED | Verdict.SKIP_AS_SKIPPED as said:
                state.blocked[dependant] = step_id
                step.blocked_as_skipped = said is Verdict.SKIP_AS_SKIPPED
            case Verdict.WAIT:
                pass


def _on_submitted(state: PlanState, event: PlanSubmitted) -> None:
    state.status = PlanStatus.PENDING_APPROVAL if event.approval_required else PlanStatus.APPROVED
    state.approval_deadline = event.approval_deadline


def _on_approved(state: PlanState, event: PlanApproved) -> None:
    state.status = PlanStatus.APPROVED
    state.approved_by = event.by


def _on_rejected(state: PlanState, event: PlanRejected) -> None:
    state.rejected_by = event.by
    state.reason = event.reason


def _on_execution_started(state: PlanState, event: PlanExecutionStarted) -> None:
    state.status = PlanStatus.EXECUTING
    state.started_at = event.timestamp
    state.deadline = event.deadline


def _on_step_started(state: PlanState, event: StepStarted) -> None:
    step = _step(state, event, event.step_id)
    released = event.step_id in state.ready or event.step_id in state.retrying
    if (
        step.status is not StepStatus.PENDING
        or event.attempt != step.attempt + 1
        or not released
        or state.status is not PlanStatus.EXECUTING
    ):
        raise CorruptHistoryError(
            event.plan_id,
            event.version,
            f"step {event.step_id!r} cannot start attempt {event.attempt}: it is {step.status}, "
            f"{'' if released else 'not '}released by its dependencies, plan {state.status}",
        )
    _leave_pending(state, event.step_id)
    _set_status(state, step, StepStatus.RUNNING)
    state.running[event.step_id] = None
    step.attempt = event.attempt
    step.worker = event.worker
    step.parameters = event.parameters
    step.started_at = event.timestamp
    step.finished_at = step.duration_ms = step.retry_at = None


def _running_attempt(state: PlanState, event: PlanEvent, step_id: str, attempt: int) -> StepState:
    step = _step(state, event, step_id)
    if step.status is not StepStatus.RUNNING or step.attempt != attempt:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {step_id!r} attempt {attempt} is not running"
        )
    del state.running[step_id]
    step.finished_at = event.timestamp
    return step


def _on_step_completed(state: PlanState, event: StepCompleted) -> None:
    step = _running_attempt(state, event, event.step_id, event.attempt)
    _set_status(state, step, StepStatus.COMPLETED)
    step.result = event.result
    step.error = None
    step.duration_ms = event.duration_ms
    _settle(state, event.step_id, Ending.SUCCESS)


def _fail(state: PlanState, step: StepState, will_retry: bool, retry_at: datetime | None) -> None:
    step_id = step.spec.id
    if will_retry:
        _set_status(state, step, StepStatus.PENDING)
        step.retry_at = retry_at
        state.retrying[step_id] = retry_at or step.finished_at or state.created_at
        return
    _failed_for_good(state, step)


def _failed_for_good(state: PlanState, step: StepState) -> None:
    step_id = step.spec.id
    _set_status(state, step, StepStatus.FAILED)
    _settle(state, step_id, Ending.FAILED)
    if state.spec.options.stops_on_error and state.stopped_by is None:
        state.stopped_by = step_id


def _on_step_failed(state: PlanState, event: StepFailed) -> None:
    step = _running_attempt(state, event, event.step_id, event.attempt)
    step.duration_ms = event.duration_ms
    step.error = StepError(event.error_type, event.message, event.details)
    _fail(state, step, event.will_retry, event.retry_at)


def _on_step_timed_out(state: PlanState, event: StepTimedOut) -> None:
    step = _running_attempt(state, event, event.step_id, event.attempt)
    step.duration_ms = event.duration_ms
    step.error = StepError("timeout", event.error_message)
    _fail(state, step, event.will_retry, event.retry_at)


def _on_step_interrupted(state: PlanState, event: StepInterrupted) -> None:
    step = _running_attempt(state, event, event.step_id, event.attempt)
    _set_status(state, step, StepStatus.PENDING)
    step.error = StepError("interrupted", event.error_message)
    state.ready[event.step_id] = None


def _on_step_skipped(state: PlanState, event: StepSkipped) -> None:
    step = _step(state, event, event.step_id)
    if step.status is not StepStatus.PENDING:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} is not pending"
        )
    _leave_pending(state, event.step_id)
    _set_status(state, step, StepStatus.SKIPPED)
    step.skip_reason = event.reason
    step.finished_at = event.timestamp
    _settle(state, event.step_id, Ending.SKIPPED if event.by_condition else Ending.FAILED)


def _on_step_preparation_failed(state: PlanState, event: StepPreparationFailed) -> None:
    step = _step(state, event, event.step_id)
    if step.status is not StepStatus.PENDING or (
        event.step_id not in state.ready and event.step_id not in state.retrying
    ):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} is not ready to prepare"
        )
    _leave_pending(state, event.step_id)
    step.error = StepError(event.error_type, f"{event.field}: {event.message}")
    step.finished_at = event.timestamp
    _failed_for_good(state, step)


def _on_step_cancelled(state: PlanState, event: StepCancelled) -> None:
    step = _running_attempt(state, event, event.step_id, event.attempt)
    _set_status(state, step, StepStatus.CANCELLED)
    step.skip_reason = event.reason
    _settle(state, event.step_id, Ending.FAILED)


def _on_cancelled(state: PlanState, event: PlanCancelled) -> None:
    state.cancelled_by = event.by
    state.reason = event.reason


def _apply(state: PlanState, event: PlanEvent) -> None:
    match event:
        case StepStarted():
            _on_step_started(state, event)
        case StepCompleted():
            _on_step_completed(state, event)
        case StepFailed():
            _on_step_failed(state, event)
        case StepTimedOut():
            _on_step_timed_out(state, event)
        case StepInterrupted():
            _on_step_interrupted(state, event)
        case StepSkipped():
            _on_step_skipped(state, event)
        case StepPreparationFailed():
            _on_step_preparation_failed(state, event)
        case StepCancelled():
            _on_step_cancelled(state, event)
        case PlanSubmitted():
            _on_submitted(state, event)
        case PlanApproved():
            _on_approved(state, event)
        case PlanRejected():
            _on_rejected(state, event)
        case PlanExecutionStarted():
            _on_execution_started(state, event)
        case PlanResumed():
            pass  # a resume changes nothing by itself; the interruptions it found are events
        case PlanCancelled():
            _on_cancelled(state, event)
        case PlanCompleted() | PlanPartiallyCompleted():
            state.reason = getattr(event, "reason", None)
            state.outputs = event.outputs
        case PlanFailed():
            state.reason = event.reason
        case _:
            raise CorruptHistoryError(
                event.plan_id, event.version, f"unexpected {type(event).__name__}"
            )
