"""A plan's trace as spans, derived from its events alone (pure).

Each span begins and ends with a recorded event: the plan from `PlanCreated` to the event that
ends it, a step attempt from `StepStarted` to its outcome, a `for_each` step from its expansion
to its gathering (its items' attempts nest under it), a reopened plan from `PlanReopened` to its
next end. Approvals, pauses, resumes and operators' actions are events on the plan's span.
`TraceFold.apply` returns the spans an event ends, so whoever records that event (exactly one
writer, by optimistic concurrency) is who reports the span, whichever process started it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from core.domain.events import (
    TERMINAL_EVENTS,
    PlanApproved,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanForked,
    PlanPaused,
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
    StepRetryRequested,
    StepRevised,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepSkippedByOperator,
    StepStarted,
    StepTimedOut,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.status import PlanStatus
from core.domain.trace_context import PlanTrace, plan_trace

AttributeValue: TypeAlias = str | int | float | bool
Attributes: TypeAlias = dict[str, AttributeValue]

MAX_SPAN_EVENTS = 128
"""Events kept on one span (OpenTelemetry's default limit); later ones are counted, not kept."""

_ERROR_STATUSES = (PlanStatus.FAILED, PlanStatus.PARTIAL)


class SpanStatus(StrEnum):
    """A span's status: unset (it went as planned, or people stopped it) or error."""

    UNSET = "unset"
    ERROR = "error"


@dataclass(frozen=True)
class SpanMoment:
    """Something that happened during a span (an approval, a pause, a retry scheduled)."""

    name: str
    at: datetime
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True)
class SpanRecord:
    """One finished span, with the ids of its trace, itself and its parent (None: a root)."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start: datetime
    end: datetime
    attributes: Attributes
    events: tuple[SpanMoment, ...] = ()
    status: SpanStatus = SpanStatus.UNSET
    status_message: str = ""
    sampled: bool = True


@dataclass
class _OpenSpan:
    span_id: str
    parent_span_id: str | None
    name: str
    start: datetime
    attributes: Attributes
    events: list[SpanMoment] = field(default_factory=list)
    dropped_events: int = 0

    def add(self, name: str, at: datetime, **attributes: AttributeValue) -> None:
        if len(self.events) < MAX_SPAN_EVENTS:
            self.events.append(SpanMoment(name, at, attributes))
        else:
            self.dropped_events += 1


class TraceFold:
    """The spans of one plan, built one event at a time from its `PlanCreated` on."""

    def __init__(self) -> None:
        self.trace: PlanTrace | None = None
        self.version = 0
        self._plan: _OpenSpan | None = None
        self._plan_ended = False
        self._reopened: _OpenSpan | None = None
        self._reopen_count = 0
        self._attempts: dict[tuple[str, int], _OpenSpan] = {}
        self._maps: dict[str, _OpenSpan] = {}
        self._map_of_item: dict[str, str] = {}

    @property
    def finished(self) -> bool:
        """True once the plan has ended and is not reopened: no span of it is open any more."""
        return self._plan_ended and self._reopened is None

    def apply(self, event: PlanEvent) -> list[SpanRecord]:
        """Take in the plan's next event; return the spans it ended."""
        self.version = event.version
        if isinstance(event, PlanCreated):
            self._created(event)
            return []
        if self._plan is None:
            return []
        if type(event) in TERMINAL_EVENTS:
            return self._plan_ended_by(event)
        spans = self._step_event(event)
        return spans if spans is not None else self._plan_event(event)

    def _created(self, event: PlanCreated) -> None:
        self.trace = plan_trace(event.plan_id, event.traceparent)
        attributes: Attributes = {
            "planledger.plan.id": str(event.plan_id),
            "planledger.plan.created_by": event.actor,
            "planledger.plan.depth": event.depth,
            "planledger.plan.steps": len(event.spec.steps),
        }
        if event.spec.name:
            attributes["planledger.plan.name"] = event.spec.name
        if event.parent_plan_id is not None:
            attributes["planledger.plan.parent_id"] = str(event.parent_plan_id)
            attributes["planledger.plan.parent_step"] = event.parent_step_id or ""
        if event.root_plan_id is not None:
            attributes["planledger.plan.root_id"] = str(event.root_plan_id)
        self._plan = _OpenSpan(
            self.trace.plan_span_id,
            self.trace.parent_span_id,
            f"plan {event.spec.name or event.spec.description[:60]}",
            event.timestamp,
            attributes,
        )

    def _plan_ended_by(self, event: PlanEvent) -> list[SpanRecord]:
        assert self._plan is not None
        status = TERMINAL_EVENTS[type(event)]
        reason = str(getattr(event, "reason", "") or "")
        if isinstance(event, PlanRejected):
            self._plan.add("rejected", event.timestamp, by=event.by, expired=event.expired)
        span = self._reopened if self._plan_ended else self._plan
        self._reopened = None
        self._plan_ended = True
        if span is None:
            return []
        span.attributes["planledger.plan.status"] = status.value
        error = status in _ERROR_STATUSES
        return [self._closed(span, event.timestamp, error=error, message=reason if error else "")]

    def _plan_event(self, event: PlanEvent) -> list[SpanRecord]:
        """Approvals, pauses and operators' actions: events on the plan's (or reopening's) span."""
        span = self._reopened or self._plan
        assert span is not None
        at = event.timestamp
        match event:
            case PlanSubmitted():
                span.add("submitted", at, approval_required=event.approval_required)
            case PlanApproved():
                span.add("approved", at, by=event.by)
            case PlanExecutionStarted():
                span.add("execution started", at)
            case PlanResumed():
                span.add("resumed", at, by=event.by, interrupted=len(event.interrupted_steps))
            case PlanPaused() | PlanUnpaused():
                name = "paused" if isinstance(event, PlanPaused) else "unpaused"
                span.add(name, at, by=event.by, reason=event.reason)
            case PlanReopened():
                self._reopen(event)
            case StepRetryRequested() | StepSkippedByOperator():
                name = "retry requested" if isinstance(event, StepRetryRequested) else "skipped"
                span.add(name, at, step=event.step_id, by=event.by, reason=event.reason)
            case StepAdded() | StepRevised():
                name = "step added" if isinstance(event, StepAdded) else "step revised"
                span.add(name, at, step=event.step.id, by=event.by)
            case StepRemoved():
                span.add("step removed", at, step=event.step_id, by=event.by)
            case PlanForked():
                span.add("forked", at, source=str(event.source_plan_id), from_step=event.from_step)
            case StepSkipped():
                span.add("step skipped", at, step=event.step_id, reason=event.reason)
            case StepPreparationFailed():
                span.add("step not prepared", at, step=event.step_id, field=event.field)
        return []

    def _reopen(self, event: PlanReopened) -> None:
        assert self._plan is not None
        assert self.trace is not None
        self._plan.add("reopened", event.timestamp, by=event.by, reason=event.reason)
        self._reopen_count += 1
        self._reopened = _OpenSpan(
            self.trace.reopened_span_id(self._reopen_count),
            self._plan.span_id,
            f"{self._plan.name} reopened",
            event.timestamp,
            {"planledger.plan.id": str(event.plan_id), "planledger.plan.reopened": True},
        )

    def _step_event(self, event: PlanEvent) -> list[SpanRecord] | None:
        """Spans of attempts and maps; None for an event that is not about them."""
        match event:
            case StepStarted():
                self._attempt_started(event)
            case StepCompleted():
                return self._attempt_ended(event, "completed", None, "")
            case StepFailed():
                return self._attempt_ended(event, "failed", event.error_type, event.message)
            case StepTimedOut():
                return self._attempt_ended(event, "timed_out", "timeout", event.error_message)
            case StepInterrupted():
                return self._attempt_ended(event, "interrupted", "interrupted", event.error_message)
            case StepCancelled():
                return self._attempt_ended(event, "cancelled", None, event.reason)
            case SubPlanStarted() | SubPlanFinished():
                self._sub_plan_event(event)
            case StepsExpanded():
                self._expanded(event)
            case StepsGathered():
                return self._gathered(event)
            case _:
                return None
        return []

    def _attempt_started(self, event: StepStarted) -> None:
        assert self._plan is not None
        assert self.trace is not None
        parent = self._maps.get(self._map_of_item.get(event.step_id, ""), self._plan)
        self._attempts[(event.step_id, event.attempt)] = _OpenSpan(
            self.trace.attempt_span_id(event.step_id, event.attempt),
            parent.span_id,
            f"step {event.step_id}",
            event.timestamp,
            {
                "planledger.plan.id": str(event.plan_id),
                "planledger.step.id": event.step_id,
                "planledger.step.attempt": event.attempt,
                "planledger.tool": event.tool,
                "planledger.worker": event.worker,
            },
        )

    def _attempt_ended(
        self,
        event: StepCompleted | StepFailed | StepTimedOut | StepInterrupted | StepCancelled,
        outcome: str,
        error_type: str | None,
        message: str,
    ) -> list[SpanRecord]:
        span = self._attempts.pop((event.step_id, event.attempt), None)
        if span is None:
            return []
        span.attributes["planledger.outcome"] = outcome
        if isinstance(event, StepTimedOut):
            span.attributes["planledger.step.timeout_ms"] = event.timeout_ms
        if isinstance(event, StepFailed | StepTimedOut) and event.will_retry:
            span.attributes["planledger.retry.scheduled"] = True
            retry_at = event.retry_at.isoformat() if event.retry_at else ""
            span.add("retry scheduled", event.timestamp, retry_at=retry_at)
        if error_type is not None:
            span.attributes["error.type"] = error_type
        elif isinstance(event, StepCancelled):
            span.attributes["planledger.cancel_reason"] = message
        return [self._closed(span, event.timestamp, error=error_type is not None, message=message)]

    def _sub_plan_event(self, event: SubPlanStarted | SubPlanFinished) -> None:
        span = self._attempts.get((event.step_id, event.attempt))
        if span is None:
            return
        child = str(event.child_plan_id)
        if isinstance(event, SubPlanStarted):
            span.attributes["planledger.sub_plan.id"] = child
            span.add("sub-plan started", event.timestamp, child_plan_id=child)
        else:
            span.add("sub-plan finished", event.timestamp, child_plan_id=child, status=event.status)

    def _expanded(self, event: StepsExpanded) -> None:
        assert self._plan is not None
        assert self.trace is not None
        for index in range(len(event.items)):
            self._map_of_item[f"{event.step_id}[{index}]"] = event.step_id
        self._maps[event.step_id] = _OpenSpan(
            self.trace.map_span_id(event.step_id),
            self._plan.span_id,
            f"map {event.step_id}",
            event.timestamp,
            {
                "planledger.plan.id": str(event.plan_id),
                "planledger.step.id": event.step_id,
                "planledger.map.items": len(event.items),
            },
        )

    def _gathered(self, event: StepsGathered) -> list[SpanRecord]:
        span = self._maps.pop(event.step_id, None)
        if span is None:
            return []
        span.attributes["planledger.map.failed_items"] = event.failed_items
        failed = event.failed_items > 0
        message = event.error_message if failed else ""
        if failed:
            span.attributes["error.type"] = "items_failed"
        return [self._closed(span, event.timestamp, error=failed, message=message)]

    def _closed(self, span: _OpenSpan, end: datetime, *, error: bool, message: str) -> SpanRecord:
        assert self.trace is not None
        if span.dropped_events:
            span.attributes["planledger.dropped_events"] = span.dropped_events
        return SpanRecord(
            trace_id=self.trace.trace_id,
            span_id=span.span_id,
            parent_span_id=span.parent_span_id,
            name=span.name,
            start=span.start,
            end=max(end, span.start),
            attributes=dict(span.attributes),
            events=tuple(span.events),
            status=SpanStatus.ERROR if error else SpanStatus.UNSET,
            status_message=message,
            sampled=self.trace.sampled,
        )


def trace_spans(events: list[PlanEvent]) -> list[SpanRecord]:
    """Every span a plan's events have ended, in the order they ended."""
    fold = TraceFold()
    return [span for event in events for span in fold.apply(event)]
