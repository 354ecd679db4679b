"""The audit log view: one row per human or policy action on a plan (pure)."""

from __future__ import annotations

from core import (
    PlanApproved,
    PlanCancelled,
    PlanCreated,
    PlanEvent,
    PlanPaused,
    PlanQuarantinedAfterCrashes,
    PlanRejected,
    PlanResumed,
    PlanUnpaused,
    StepRetryRequested,
    StepSkippedByOperator,
)
from projections.plan_revisions import revision_audit
from projections.reader import ViewState
from projections.rows import AuditRow, Row


class AuditLogProjection:
    """Who created, approved, rejected, cancelled, resumed, paused, unpaused, revised or forked
    a plan, who retried or skipped which step, when, and why.

    A retry's or skip's row names its step in the reason (`step 'build': flaky`); the reopening
    of an ended plan it causes is part of that action, not a row of its own.

    Policy actions are rows too: an `auto_approve` approval and an expired approval name the
    engine as their actor. Each row carries the event's version and hash, so it can be checked
    against the plan's hash chain. Rows are keyed by (plan, version): applying an event again
    writes the same row.
    """

    name: str = "audit_log"
    row_types: tuple[type[Row], ...] = (AuditRow,)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The audit row of this event, if it is an action; nothing otherwise."""
        match event:
            case PlanCreated(actor=actor):
                return [_row(event, "created", actor, None)]
            case PlanApproved(by=by, comment=comment):
                return [_row(event, "approved", by, comment or None)]
            case PlanRejected(by=by, reason=reason, expired=expired):
                return [_row(event, "approval_expired" if expired else "rejected", by, reason)]
            case PlanCancelled(by=by, reason=reason):
                return [_row(event, "cancelled", by, reason)]
            case PlanResumed(by=by):
                return [_row(event, "resumed", by, None)]
            case PlanQuarantinedAfterCrashes(by=by, crashes=crashes, reason=reason):
                return [_row(event, "quarantined", by, f"after {crashes} crashes: {reason}")]
            case PlanPaused(by=by, reason=reason):
                return [_row(event, PAUSED, by, reason or None)]
            case PlanUnpaused(by=by, reason=reason):
                return [_row(event, UNPAUSED, by, reason or None)]
            case StepRetryRequested(by=by, step_id=step_id, reason=reason):
                return [_row(event, "step_retried", by, _about(step_id, reason))]
            case StepSkippedByOperator(by=by, step_id=step_id, reason=reason):
                return [_row(event, "step_skipped", by, _about(step_id, reason))]
        revision = revision_audit(event)
        return [] if revision is None else [_row(event, *revision)]


PAUSED = "paused"
UNPAUSED = "unpaused"
"""The actions whose latest row says whether a plan is paused (see `plans list --status`)."""


def _about(step_id: str, reason: str) -> str:
    return f"step {step_id!r}: {reason}" if reason else f"step {step_id!r}"


def _row(event: PlanEvent, action: str, actor: str, reason: str | None) -> AuditRow:
    return AuditRow(
        plan_id=event.plan_id,
        version=event.version,
        action=action,
        actor=actor,
        at=event.timestamp,
        reason=reason,
        event_type=type(event).__name__,
        event_hash=event.hash,
    )
