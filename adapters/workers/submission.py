"""`planledger submit`: queue a plan for the workers, at most once per idempotency key."""

from __future__ import annotations

import contextlib
from uuid import UUID

from adapters.workers.errors import InvalidSubmitKeyError
from adapters.workers.work_queue import WorkQueue
from core import ConcurrencyError, PlanNotFoundError, PlanService, PlanStatus, parse_traceparent

MAX_KEY_LENGTH = 200


def check_key(key: str | None) -> None:
    """Refuse a key that could not be typed again to get the same plan."""
    if key is None:
        return
    if not key.strip():
        raise InvalidSubmitKeyError(key, "it is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidSubmitKeyError(key, f"it is longer than {MAX_KEY_LENGTH} characters")
    if not key.isprintable():
        raise InvalidSubmitKeyError(key, "it contains control characters")


def submit(
    service: PlanService,
    queue: WorkQueue,
    spec: object,
    *,
    by: str,
    key: str | None,
    approve_as: str | None,
    new_id: UUID,
    inputs: object = None,
    traceparent: str | None = None,
) -> UUID:
    """Queue the plan (or find the one queued under `key`), create it, approve it if asked.

    The work row is written first and the key is unique in it, so concurrent submissions of
    one key agree on one plan id. Whoever then finds that plan without events creates it (a
    second creator gets `ConcurrencyError` and leaves it), so a submission that crashed in
    between is completed by the next one with the same key. Workers only claim a plan once it
    has events.
    """
    check_key(key)
    if traceparent is not None:
        parse_traceparent(traceparent)
    service.check_inputs(service.validate(spec), {} if inputs is None else inputs)
    plan_id = queue.add(new_id, key)
    created = False
    try:
        service.history(plan_id)
    except PlanNotFoundError:
        with contextlib.suppress(ConcurrencyError):
            service.create_plan(
                spec, by=by, inputs=inputs, plan_id=plan_id, traceparent=traceparent
            )
            created = True
    if approve_as is not None and created:
        plan = service.get_plan(plan_id)
        if plan.status is PlanStatus.PENDING_APPROVAL:
            service.approve(plan_id, by=approve_as, comment="approved on submission")
    return plan_id
