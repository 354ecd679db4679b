"""The plan summary view: one row per plan and one per step, mirroring the fold (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

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
from core.scheduler import elapsed_ms
from core.status import PlanStatus, StepStatus
from projections.reader import ViewState
from projections.rows import PlanDataRow, PlanStepRow, PlanSummaryRow, Row

StepEvent = (
    StepStarted
    | StepCompleted
    | StepFailed
    | StepTimedOut
    | StepInterrupted
    | StepSkipped
    | StepPreparationFailed
    | StepCancelled
)
"""The events that change one step's row (and the summary's counts)."""


class PlanSummaryProjection:
    """Plan status, step counts, progress and timings, each step's latest state, and the plan's
    inputs and outputs (`plan_data`, one row each when not empty).

    The rows say what `core.plan_view.plan_view` says of the folded plan after the same events.
    Every event of a plan moves `last_version`, `last_event_at` and `head_hash`, so the view can
    be checked against the log; an event at or below `last_version` was already applied and
    changes nothing, and events of a plan the view does not know are ignored.
    """

    name: str = "plan_summary"
    row_types: tuple[type[Row], ...] = (PlanSummaryRow, PlanStepRow, PlanDataRow)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The summary row (and the step's row, for a step event) this event changes."""
        summary = view.summary(event.plan_id)
        if isinstance(event, PlanCreated):
            return [] if summary is not None else _created(event)
        if summary is None or event.version <= summary.last_version:
            return []
        summary = replace(
            summary,
            last_version=event.version,
            last_event_at=event.timestamp,
            head_hash=event.hash,
        )
        match event:
            case (
                StepStarted()
                | StepCompleted()
                | StepFailed()
                | StepTimedOut()
                | StepInterrupted()
                | StepSkipped()
                | StepPreparationFailed()
                | StepCancelled()
            ):
                return _step_changed(summary, event, view)
            case PlanCompleted(outputs=outputs) | PlanPartiallyCompleted(outputs=outputs) if (
                outputs
            ):
                return [
                    _plan_changed(summary, event),
                    PlanDataRow(event.plan_id, "outputs", outputs),
                ]
            case _:
                return [_plan_changed(summary, event)]


def _created(event: PlanCreated) -> list[Row]:
    spec = event.spec
    total = len(spec.steps)
    summary = PlanSummaryRow(
        plan_id=event.plan_id,
        name=spec.name,
        description=spec.description,
        status=PlanStatus.DRAFT.value,
        total_steps=total,
        pending=total,
        running=0,
        completed=0,
        failed=0,
        skipped=0,
        cancelled=0,
        progress=_progress(Counter({StepStatus.PENDING: total}), total),
        created_at=event.timestamp,
        started_at=None,
        finished_at=None,
        duration_ms=None,
        created_by=event.actor,
        approved_by=None,
        rejected_by=None,
        reason=None,
        last_version=event.version,
        last_event_at=event.timestamp,
        head_hash=event.hash,
    )
    steps: list[Row] = [
        PlanStepRow(
            plan_id=event.plan_id,
            step_id=step.id,
            position=position,
            tool=step.tool,
            status=StepStatus.PENDING.value,
            attempts=0,
            result=None,
            error_type=None,
            error_message=None,
            skip_reason=None,
            duration_ms=None,
        )
        for position, step in enumerate(spec.steps)
    ]
    if event.inputs:
        steps.append(PlanDataRow(event.plan_id, "inputs", event.inputs))
    return [summary, *steps]


def _plan_changed(summary: PlanSummaryRow, event: PlanEvent) -> PlanSummaryRow:
    match event:
        case PlanSubmitted(approval_required=required):
            status = PlanStatus.PENDING_APPROVAL if required else PlanStatus.APPROVED
            summary = replace(summary, status=status.value)
        case PlanApproved(by=by):
            summary = replace(summary, status=PlanStatus.APPROVED.value, approved_by=by)
        case PlanRejected(by=by, reason=reason):
            summary = replace(summary, rejected_by=by, reason=reason)
        case PlanExecutionStarted(timestamp=timestamp):
            summary = replace(summary, status=PlanStatus.EXECUTING.value, started_at=timestamp)
        case (
            PlanCancelled(reason=reason)
            | PlanFailed(reason=reason)
            | PlanPartiallyCompleted(reason=reason)
        ):
            summary = replace(summary, reason=reason)
        case PlanCompleted():
            summary = replace(summary, reason=None)
    terminal = TERMINAL_EVENTS.get(type(event))
    if terminal is None:
        return summary
    started_at = summary.started_at
    return replace(
        summary,
        status=terminal.value,
        finished_at=event.timestamp,
        duration_ms=elapsed_ms(started_at, event.timestamp) if started_at is not None else None,
    )


def _step_changed(summary: PlanSummaryRow, event: StepEvent, view: ViewState) -> list[Row]:
    step = view.step(event.plan_id, event.step_id)
    if step is None:
        return [summary]
    changed = _next_step(step, event)
    counts = _counts(summary)
    counts[StepStatus(step.status)] -= 1
    counts[StepStatus(changed.status)] += 1
    return [_with_counts(summary, counts), changed]


def _next_step(step: PlanStepRow, event: StepEvent) -> PlanStepRow:
    match event:
        case StepStarted(attempt=attempt):
            return replace(
                step, status=StepStatus.RUNNING.value, attempts=attempt, duration_ms=None
            )
        case StepCompleted(result=result, duration_ms=duration_ms):
            return replace(
                step,
                status=StepStatus.COMPLETED.value,
                result=result,
                error_type=None,
                error_message=None,
                duration_ms=duration_ms,
            )
        case StepFailed():
            return _failed(
                step, event.error_type, event.message, event.duration_ms, event.will_retry
            )
        case StepTimedOut():
            message = event.error_message
            return _failed(step, "timeout", message, event.duration_ms, event.will_retry)
        case StepInterrupted():
            return replace(
                step,
                status=StepStatus.PENDING.value,
                error_type="interrupted",
                error_message=event.error_message,
            )
        case StepSkipped(reason=reason):
            return replace(step, status=StepStatus.SKIPPED.value, skip_reason=reason)
        case StepCancelled(reason=reason):
            return replace(step, status=StepStatus.CANCELLED.value, skip_reason=reason)
        case StepPreparationFailed(field=field, error_type=error_type, message=message):
            return replace(
                step,
                status=StepStatus.FAILED.value,
                error_type=error_type,
                error_message=f"{field}: {message}",
            )


def _failed(
    step: PlanStepRow, error_type: str, message: str, duration_ms: int, will_retry: bool
) -> PlanStepRow:
    """A failed attempt: the step waits for its retry as `pending`, else it has failed."""
    status = StepStatus.PENDING if will_retry else StepStatus.FAILED
    return replace(
        step,
        status=status.value,
        error_type=error_type,
        error_message=message,
        duration_ms=duration_ms,
    )


def _counts(summary: PlanSummaryRow) -> Counter[StepStatus]:
    return Counter(
        {
            StepStatus.PENDING: summary.pending,
            StepStatus.RUNNING: summary.running,
            StepStatus.COMPLETED: summary.completed,
            StepStatus.FAILED: summary.failed,
            StepStatus.SKIPPED: summary.skipped,
            StepStatus.CANCELLED: summary.cancelled,
        }
    )


def _with_counts(summary: PlanSummaryRow, counts: Counter[StepStatus]) -> PlanSummaryRow:
    return replace(
        summary,
        pending=counts[StepStatus.PENDING],
        running=counts[StepStatus.RUNNING],
        completed=counts[StepStatus.COMPLETED],
        failed=counts[StepStatus.FAILED],
        skipped=counts[StepStatus.SKIPPED],
        cancelled=counts[StepStatus.CANCELLED],
        progress=_progress(counts, summary.total_steps),
    )


def _progress(counts: Counter[StepStatus], total: int) -> float:
    """The share of steps that will never run again, as `core.plan_view.summary_view` says."""
    done = sum(counts[status] for status in StepStatus if status.is_terminal)
    return round(done / total, 4) if total else 1.0
