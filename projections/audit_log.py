"""The audit log view: one row per human or policy action on a plan (pure)."""

from __future__ import annotations

from core import (
    ApprovalVoided,
    PlanApproved,
    PlanCancelled,
    PlanCreated,
    PlanDrafted,
    PlanEvent,
    PlanPaused,
    PlanQuarantined,
    PlanQuarantinedAfterCrashes,
    PlanRejected,
    PlanResumed,
    PlanUnpaused,
    StepRetryRequested,
    StepSkippedByOperator,
)
from projections.notebook_audit import notebook_audit
from projections.plan_revisions import revision_audit
from projections.reader import ViewState
from projections.rows import AuditRow, Row


class AuditLogProjection:
    """Who created, approved, rejected, cancelled, resumed, paused, unpaused, revised or forked
    a plan, who retried or skipped which step, when, and why; and every call on a notebook.

    A retry's or skip's row names its step in the reason (`step 'build': flaky`); the reopening
    of an ended plan it causes is part of that action, not a row of its own.

    Policy actions are rows too: an `auto_approve` approval and an expired approval name the
    engine as their actor; a revision that voided an approval names its reviser, and a plan
    quarantined by a writer that would not trust one of its events names that writer. Each row
    carries the event's version and hash, so it can be checked against the plan's hash chain.
    Rows are keyed by (plan, version): applying an event again writes the same row.
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
                return [_row(event, "paused", by, reason or None)]
            case PlanUnpaused(by=by, reason=reason):
                return [_row(event, "unpaused", by, reason or None)]
            case StepRetryRequested(by=by, step_id=step_id, reason=reason):
                return [_row(event, "step_retried", by, _about(step_id, reason))]
            case StepSkippedByOperator(by=by, step_id=step_id, reason=reason):
                return [_row(event, "step_skipped", by, _about(step_id, reason))]
            case ApprovalVoided(by=by, reason=reason, by_revision_version=revised_at):
                why = f"revised at version {revised_at}: {reason}"
                return [_row(event, "approval_voided", by, why)]
            case PlanQuarantined(by=by, reason=reason, untrusted_version=untrusted):
                return [_row(event, "quarantined", by, f"version {untrusted}: {reason}")]
            case PlanDrafted(actor=actor, round=number, model=model, problems=problems):
                found = "; ".join(problems) if problems else "accepted"
                return [_row(event, "drafted", actor, f"round {number} by {model}: {found}")]
        action = revision_audit(event) or notebook_audit(event)
        return [] if action is None else [_row(event, *action)]


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
