"""How submissions, approvals, revisions, voids and quarantines change a plan's approval (pure).

The fold notes, for each approval, whether it covers the plan as it stands: a bound approval
whose digest is the digest of the spec and inputs at that point, or an unbound (legacy) one on a
plan submitted without a digest. A revision of a bound, approved plan that is not followed by
`ApprovalVoided` leaves an `approval_gap`, as does an approval that covers another spec: the
engine refuses such a plan (see `core.domain.approval_binding`).
"""

from __future__ import annotations

from core.domain.approval_binding import APPROVED_STATES, plan_digest
from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    ApprovalVoided,
    PlanApproved,
    PlanEvent,
    PlanQuarantined,
    PlanSubmitted,
)
from core.domain.plan_state import PlanState
from core.domain.status import PlanStatus


def on_submitted(state: PlanState, event: PlanSubmitted) -> None:
    state.status = PlanStatus.PENDING_APPROVAL if event.approval_required else PlanStatus.APPROVED
    state.approval_deadline = event.approval_deadline
    state.binds_approval = event.spec_digest is not None


def on_approved(state: PlanState, event: PlanApproved) -> None:
    """Approved; an executing plan whose approval a revision voided goes on executing."""
    if not (state.status is PlanStatus.EXECUTING and state.approval_void):
        state.status = PlanStatus.APPROVED
    state.approved_by = event.by
    state.approval_void = False
    state.approval_gap = _gap(state, event)


def on_revised(state: PlanState, event: PlanEvent, by: str) -> None:
    """Called after the revision is applied: who revised, and whether an approval went stale."""
    state.revised_by.add(by)
    in_force = state.status in APPROVED_STATES and not state.approval_void
    if state.binds_approval and in_force and state.spec.options.needs_approval:
        state.approval_gap = (
            f"the spec was revised at version {event.version} after its approval, and the "
            "approval was not voided"
        )


def on_approval_voided(state: PlanState, event: ApprovalVoided) -> None:
    if state.status not in APPROVED_STATES or state.approval_void:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"no approval in force to void ({state.status})"
        )
    if state.status is PlanStatus.APPROVED:
        state.status = PlanStatus.PENDING_APPROVAL
        state.approval_deadline = event.approval_deadline
    state.approval_void = True
    state.approval_gap = None
    state.approved_by = None


def on_quarantined(state: PlanState, event: PlanQuarantined) -> None:
    state.quarantined = f"version {event.untrusted_version}: {event.reason}"


def _gap(state: PlanState, event: PlanApproved) -> str | None:
    if event.spec_digest is None:
        if not state.binds_approval:
            return None
        return (
            f"the approval at version {event.version} has no spec digest, but the plan was "
            "submitted with one"
        )
    if event.spec_digest == plan_digest(state):
        return None
    return (
        f"the approval at version {event.version} covers spec {event.spec_digest}, but the "
        f"plan's spec and inputs there are {plan_digest(state)}"
    )
