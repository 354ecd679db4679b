"""Approvals bound to what was approved: the spec digest, voiding, who may approve (pure).

An approval records the digest of the spec and inputs it approved. A revision of an approved
plan that requires approval voids it in the same append (`ApprovalVoided`), so the plan waits for
a new approval before anything new starts. With `options.separation_of_duties` the plan's
creator and its revisers may not approve it; a plan that names `approvers` lets only them retry
or skip a step. `untrusted_reason` is what the engine checks before it starts anything: a history
whose approval does not cover its spec (a forged or inconsistent one) is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from core.domain.errors import (
    ApproverRequiredError,
    NotAnApproverError,
    SeparationOfDutiesError,
    UntrustedHistoryError,
)
from core.domain.events import ApprovalVoided, PlanEvent, PlanQuarantined
from core.domain.hash_chain import seal
from core.domain.json_value import JsonObject
from core.domain.plan_state import PlanState
from core.domain.roles import Role, names_approver
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus

DIGEST_PREFIX = "sha256:"

APPROVED_STATES = (PlanStatus.APPROVED, PlanStatus.EXECUTING)
"""Where an approval is in force, so that a revision voids it."""


def spec_digest(spec: PlanSpec, inputs: JsonObject) -> str:
    """What an approval covers: the digest of a spec and its inputs (sorted-key compact JSON)."""
    body = {"spec": spec.model_dump(mode="json"), "inputs": inputs}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return DIGEST_PREFIX + hashlib.sha256(text.encode()).hexdigest()


def plan_digest(plan: PlanState) -> str:
    """The digest of the plan's spec and inputs as they stand now."""
    return spec_digest(plan.spec, plan.inputs)


def may_approve(plan: PlanState) -> bool:
    """Waiting for approval: pending, or executing with its approval voided by a revision."""
    return plan.status is PlanStatus.PENDING_APPROVAL or (
        plan.status is PlanStatus.EXECUTING and plan.approval_void
    )


def check_approval(plan: PlanState, by: str, roles: Collection[str] = ()) -> None:
    """Refuse an approval by someone the plan's options do not allow.

    `roles` are those `by` was authenticated with (none for a local CLI user).

    Raises:
        NotAnApproverError: the plan names `approvers` and neither `by` nor its roles are there.
        SeparationOfDutiesError: `separation_of_duties` holds and `by` created or revised it.
    """
    approvers = plan.spec.options.approvers
    if not names_approver(approvers, by, roles):
        raise NotAnApproverError(plan.plan_id, by, approvers)
    if not plan.spec.options.separation_of_duties:
        return
    if by == plan.created_by:
        raise SeparationOfDutiesError(plan.plan_id, by, "created")
    if by in plan.revised_by:
        raise SeparationOfDutiesError(plan.plan_id, by, "revised")


def require_approver(plan: PlanState, by: str, action: str, roles: Collection[str] = ()) -> None:
    """A retry or a skip overrides what the approved plan said: only its approvers may, or a
    principal authenticated with the operator role."""
    approvers = plan.spec.options.approvers
    if Role.OPERATOR in roles or names_approver(approvers, by, roles):
        return
    raise ApproverRequiredError(plan.plan_id, by, action, approvers)


def voided_by_revision(
    plan: PlanState, revision: PlanEvent, *, by: str, reason: str, now: datetime
) -> list[ApprovalVoided]:
    """`ApprovalVoided` right after `revision`, if the plan's approval was in force.

    `plan` is the state before the revision. Plans without required approval, or still waiting
    for one, have nothing to void.
    """
    options = plan.spec.options
    if not options.needs_approval or plan.approval_void or plan.status not in APPROVED_STATES:
        return []
    deadline = None
    if plan.status is PlanStatus.APPROVED and options.approval_timeout_ms is not None:
        deadline = now + timedelta(milliseconds=options.approval_timeout_ms)
    voided = ApprovalVoided(
        originator_id=revision.plan_id,
        originator_version=revision.version + 1,
        timestamp=revision.timestamp,
        actor=revision.actor,
        correlation_id=revision.correlation_id,
        prev_hash=revision.hash,
        by_revision_version=revision.version,
        by=by,
        reason=reason or "revised after approval",
        approval_deadline=deadline,
    )
    return [seal(voided)]


def quarantine(
    plan: PlanState,
    *,
    untrusted_version: int,
    reason: str,
    by: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """`PlanQuarantined` naming the untrusted event, unless the plan is quarantined already."""
    if plan.quarantined is not None:
        return []
    event = PlanQuarantined(
        originator_id=plan.plan_id,
        originator_version=plan.version + 1,
        timestamp=now,
        actor=by,
        correlation_id=correlation_id,
        prev_hash=plan.head_hash,
        by=by,
        untrusted_version=untrusted_version,
        reason=reason,
    )
    return [seal(event)]


def untrusted_reason(plan: PlanState) -> str | None:
    """Why the engine must not act on this plan (its approval or a quarantine), or None."""
    if plan.quarantined is not None:
        return f"the plan is quarantined: {plan.quarantined}"
    return plan.approval_gap


def check_trusted(plan: PlanState) -> None:
    """Raise `UntrustedHistoryError` when the engine must not act on the plan."""
    reason = untrusted_reason(plan)
    if reason is not None:
        raise UntrustedHistoryError(plan.plan_id, plan.version, reason)
