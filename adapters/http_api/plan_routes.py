"""Plan commands over HTTP: each handler checks the principal's role, calls one ledger method.

The actor is always the authenticated principal; a body never names one (extra fields are
ignored, so `{"by": "someone"}` changes nothing). A refused command writes nothing.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, Response, status

from adapters.http_api import models
from adapters.http_api.context import ApiContext, allowed, caller, context
from adapters.http_api.idempotency import request_digest
from adapters.ledger import StepReportAnswer
from adapters.principals import Action, Principal
from adapters.workers import PlanLeasedError
from core import ConcurrencyError, JsonObject, PlanNotFoundError, PlanStatus, parse_traceparent

router = APIRouter(tags=["plan commands"])
Ctx = Annotated[ApiContext, Depends(context)]
Submitter = Annotated[Principal, Depends(allowed(Action.SUBMIT))]
Approver = Annotated[Principal, Depends(allowed(Action.APPROVE))]
Operator = Annotated[Principal, Depends(allowed(Action.OPERATE))]
Runner = Annotated[Principal, Depends(allowed(Action.EXECUTE))]
Reporter = Annotated[Principal, Depends(allowed(Action.REPORT))]

_APPROVAL = {"approve", "comment"}


@router.post("/plans", status_code=status.HTTP_201_CREATED)
def create_plan(
    body: models.CreatePlan,
    ctx: Ctx,
    who: Submitter,
    response: Response,
    idempotency_key: Annotated[str | None, Header()] = None,
    traceparent: Annotated[str | None, Header()] = None,
) -> JsonObject:
    """Create a plan (queued for the workers where the store has a work table).

    With `Idempotency-Key`, the same key and body return the plan made the first time (200,
    `Idempotent-Replayed: true`); the same key with another body is refused. A W3C
    `traceparent` header joins the plan's spans to the caller's trace. With `approve`, the
    principal (who needs the approve permission) approves it too, as `run --approve-as` does:
    whether it may is checked first, so a refusal (403) writes nothing.
    """
    service = ctx.ledger.service
    spec = service.validate(body.spec)
    service.check_inputs(spec, body.inputs or {})
    if body.approve:
        who.require(Action.APPROVE)
        service.check_approver(spec, who.name, created_by=who.name, roles=caller(who).roles)
    if traceparent is not None:
        parse_traceparent(traceparent)
    plan_id = uuid4()
    if idempotency_key is not None:
        # a body that does not approve digests as it did before `approve` existed
        request = body.model_dump(mode="json", exclude=None if body.approve else _APPROVAL)
        digest = request_digest(request)
        plan_id = ctx.idempotency.reserve(who.name, idempotency_key, digest, plan_id)
        with contextlib.suppress(PlanNotFoundError):
            service.history(plan_id)
            response.status_code = status.HTTP_200_OK
            response.headers["Idempotent-Replayed"] = "true"
            return _approved_if_asked(ctx, who, body, plan_id)
    if ctx.queue is not None:
        ctx.queue.add(plan_id, None)
    with contextlib.suppress(ConcurrencyError):  # a concurrent request with the key made it
        service.create_plan(
            body.spec, by=who.name, inputs=body.inputs, plan_id=plan_id, traceparent=traceparent
        )
    response.headers["Location"] = f"/plans/{plan_id}"
    return _approved_if_asked(ctx, who, body, plan_id)


def _approved_if_asked(
    ctx: ApiContext, who: Principal, body: models.CreatePlan, plan_id: UUID
) -> JsonObject:
    """The plan's view, approved first if the request asks and it waits for approval (also on
    a replay, so a retried request finishes what a lost answer left undone)."""
    view = ctx.ledger.status(plan_id).view
    if body.approve and view["status"] == PlanStatus.PENDING_APPROVAL:
        return ctx.ledger.approve(plan_id, by=caller(who), comment=body.comment)
    return view


@router.post("/plans/{plan_id}/approve")
def approve(plan_id: UUID, body: models.Comment, ctx: Ctx, who: Approver) -> JsonObject:
    """Approve a plan waiting for approval; its `approvers` may name the principal or a role."""
    return ctx.ledger.approve(plan_id, by=caller(who), comment=body.comment)


@router.post("/plans/{plan_id}/reject")
def reject(plan_id: UUID, body: models.Reason, ctx: Ctx, who: Approver) -> JsonObject:
    """Reject a plan waiting for approval."""
    return ctx.ledger.reject(plan_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/cancel")
def cancel(plan_id: UUID, body: models.Reason, ctx: Ctx, who: Operator) -> JsonObject:
    """Cancel a plan that has not ended."""
    return ctx.ledger.cancel(plan_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/pause")
def pause(plan_id: UUID, body: models.Reason, ctx: Ctx, who: Operator) -> JsonObject:
    """Pause a plan: running steps finish, nothing new starts."""
    return ctx.ledger.pause(plan_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/unpause")
def unpause(plan_id: UUID, body: models.OptionalReason, ctx: Ctx, who: Operator) -> JsonObject:
    """Lift a plan's pause."""
    return ctx.ledger.unpause(plan_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/steps/{step_id}/retry")
def retry(
    plan_id: UUID, step_id: str, body: models.OptionalReason, ctx: Ctx, who: Operator
) -> JsonObject:
    """Give a failed step a new attempt (reopens an ended plan)."""
    return ctx.ledger.retry(plan_id, step_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/steps/{step_id}/skip")
def skip(plan_id: UUID, step_id: str, body: models.Reason, ctx: Ctx, who: Operator) -> JsonObject:
    """Mark a failed or pending step skipped so its dependants may run."""
    return ctx.ledger.skip(plan_id, step_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/steps/{step_id}/complete")
def complete_step(
    plan_id: UUID, step_id: str, body: models.CompleteStep, ctx: Ctx, who: Reporter
) -> JsonObject:
    """Record that the principal carried out an external step (`tool: external`) it awaits.

    The plan, plus `reported_step` (`status`, `retry_at`): what became of the step.
    """
    report = ctx.ledger.complete_step(
        plan_id, step_id, by=caller(who), result=body.result, attempt=body.attempt
    )
    return reported(report)


@router.post("/plans/{plan_id}/steps/{step_id}/fail")
def fail_step(
    plan_id: UUID, step_id: str, body: models.FailStep, ctx: Ctx, who: Reporter
) -> JsonObject:
    """Record that the principal could not carry out an external step; retried as its policy
    says (`reported_step.retry_at`), else failed as a tool's step would be."""
    report = ctx.ledger.fail_step(
        plan_id, step_id, by=caller(who), error=body.error, attempt=body.attempt
    )
    return reported(report)


def reported(report: StepReportAnswer) -> JsonObject:
    """A step report as the API answers it: the plan and `reported_step`."""
    step = {"status": report.step_status, "retry_at": report.retry_at}
    return {**report.view, "reported_step": step}


@router.post("/plans/{plan_id}/steps")
def add_step(plan_id: UUID, body: models.AddStep, ctx: Ctx, who: Submitter) -> JsonObject:
    """Add a step to a plan that has not ended."""
    return ctx.ledger.add_step(plan_id, body.step, by=caller(who), reason=body.reason)


@router.patch("/plans/{plan_id}/steps/{step_id}")
def revise_step(
    plan_id: UUID, step_id: str, body: models.ReviseStep, ctx: Ctx, who: Submitter
) -> JsonObject:
    """Change fields of a step that has not started."""
    return ctx.ledger.revise_step(
        plan_id, step_id, body.changes, by=caller(who), reason=body.reason
    )


@router.delete("/plans/{plan_id}/steps/{step_id}")
def remove_step(
    plan_id: UUID, step_id: str, body: models.Reason, ctx: Ctx, who: Submitter
) -> JsonObject:
    """Remove a step that has not started and that nothing depends on."""
    return ctx.ledger.remove_step(plan_id, step_id, by=caller(who), reason=body.reason)


@router.post("/plans/{plan_id}/fork", status_code=status.HTTP_201_CREATED)
def fork(plan_id: UUID, body: models.Fork, ctx: Ctx, who: Submitter) -> JsonObject:
    """A new plan from an ended one, re-running `from_step` and what depends on it."""
    return ctx.ledger.fork(plan_id, from_step=body.from_step, by=caller(who), spec=body.spec)


@router.post("/plans/{plan_id}/execute")
def execute(plan_id: UUID, ctx: Ctx, who: Runner, response: Response) -> dict[str, Any]:
    """Run an approved (or executing) plan in this server's engine: 202, follow `/events`.

    A plan that is not approved yet, or has ended, is returned as it is (200).
    """
    answer = ctx.ledger.status(plan_id)
    plan_status = PlanStatus(answer.view["status"])
    if plan_status not in (PlanStatus.APPROVED, PlanStatus.EXECUTING):
        return {**answer.view, "executing_here": False}
    ctx.executions.start(plan_id, lambda: ctx.ledger.service.execute(plan_id))
    response.status_code = status.HTTP_202_ACCEPTED
    return {**answer.view, "executing_here": True}


@router.post("/plans/{plan_id}/resume")
def resume(plan_id: UUID, ctx: Ctx, who: Runner, response: Response) -> dict[str, Any]:
    """Go on after a stop, then run the plan here as `execute` does (202, follow `/events`).

    Attempts a stopped process left running end as `resume` ends them, by the principal: an
    idempotent step runs again, another fails `interrupted`. A plan this server runs now is
    left as it is; one a live worker holds is refused (409, `PlanLeasedError`): its attempts
    are running, not left.
    """
    lease = ctx.queue.live_lease(plan_id) if ctx.queue is not None else None
    if lease is not None:
        raise PlanLeasedError(plan_id, lease.owner, lease.expires_at)
    if not ctx.executions.runs(plan_id):
        ctx.ledger.service.recover(plan_id, by=who.name)
    return execute(plan_id, ctx, who, response)
