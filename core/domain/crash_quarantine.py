"""Quarantine: the decision that ends a plan whose processing keeps crashing engines (pure)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core.domain.decisions import cancel
from core.domain.errors import InvalidTransitionError
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanEvent, PlanQuarantinedAfterCrashes
from core.domain.plan import PlanState


def quarantine_after_crashes(
    plan: PlanState, *, by: str, crashes: int, reason: str, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """End the plan as `cancel` would, with `PlanQuarantinedAfterCrashes` as its last event.

    Running attempts are cancelled (their engine is gone, or is the one that keeps crashing),
    pending steps skipped; the plan's status becomes `failed`.
    """
    if plan.is_terminal:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "quarantine")
    why = f"quarantined after {crashes} crashes: {reason}"
    ended = cancel(plan, by=by, reason=why, now=now, correlation_id=correlation_id)[:-1]
    stamp = EventStamper.after(plan, now, by, correlation_id)
    stamp.next_version += len(ended)
    stamp.prev_hash = ended[-1].hash if ended else plan.head_hash
    return [*ended, stamp(PlanQuarantinedAfterCrashes, by=by, crashes=crashes, reason=reason)]
