"""`PlanService` commands of operators: pause, unpause, retry a step, skip a step."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.operator_decisions import pause, retry_step, skip_step, unpause
from core.domain.plan import PlanState


class _Deciding(Protocol):
    def _decide(
        self,
        plan_id: UUID,
        decision: Callable[..., list[PlanEvent]],
        *args: object,
        **fields: object,
    ) -> PlanState: ...


class OperatorControls:
    """Mixed into `PlanService`: each control is an event with its actor and reason, decided
    by `core.domain.operator_decisions`; a control that does not fit writes nothing."""

    def pause(self: _Deciding, plan_id: UUID, *, by: str, reason: str) -> PlanState:
        """Pause a plan that has not ended: running attempts finish, nothing new starts."""
        return self._decide(plan_id, pause, by=by, reason=reason)

    def unpause(self: _Deciding, plan_id: UUID, *, by: str, reason: str = "") -> PlanState:
        """Lift a plan's pause; an engine waiting on it starts steps again."""
        return self._decide(plan_id, unpause, by=by, reason=reason)

    def retry(
        self: _Deciding,
        plan_id: UUID,
        step_id: str,
        *,
        by: str,
        reason: str = "",
        roles: Collection[str] = (),
    ) -> PlanState:
        """Give a failed step a new attempt and bring back what was skipped because of it.

        A plan that ended failed or partial is reopened (executing again); `execute`, `resume`
        or a worker then runs it. On a plan with `approvers` only they (or an operator) may.
        """
        return self._decide(plan_id, retry_step, step_id, by=by, reason=reason, roles=roles)

    def skip(
        self: _Deciding,
        plan_id: UUID,
        step_id: str,
        *,
        by: str,
        reason: str,
        roles: Collection[str] = (),
    ) -> PlanState:
        """Mark a failed or pending step skipped so its dependants may run (reopens as `retry`)."""
        return self._decide(plan_id, skip_step, step_id, by=by, reason=reason, roles=roles)
