"""`PlanService` commands of whoever carries out an external step: it is done, or it failed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.external_outcomes import complete_external, fail_external
from core.domain.json_value import JsonValue
from core.domain.plan import PlanState


class _Deciding(Protocol):
    def _decide(
        self,
        plan_id: UUID,
        decision: Callable[..., list[PlanEvent]],
        *args: object,
        **fields: object,
    ) -> PlanState: ...


class OutsideReports:
    """Mixed into `PlanService`: outcomes of external steps, recorded with their reporter.

    Whoever runs the plan (a worker, or `execute` still waiting on it) takes the event as a
    finished attempt: its dependants start, or a retry is scheduled, as after a tool call.
    """

    def complete_step(
        self: _Deciding,
        plan_id: UUID,
        step_id: str,
        *,
        by: str,
        result: JsonValue = None,
        attempt: int | None = None,
    ) -> PlanState:
        """Record that `by` carried out the external step's awaited attempt, with `result`.

        `attempt`, when given, must be the awaited one: a report on an attempt that timed out
        is refused rather than taken for the next one.
        """
        return self._decide(
            plan_id, complete_external, step_id, result=result, attempt=attempt, by=by
        )

    def fail_step(
        self: _Deciding,
        plan_id: UUID,
        step_id: str,
        *,
        by: str,
        error: str,
        attempt: int | None = None,
    ) -> PlanState:
        """Record that `by` could not carry out the awaited attempt (`error` says why).

        The step is retried if its `max_retries` allow, else it fails as a tool's step would.
        """
        return self._decide(plan_id, fail_external, step_id, error=error, attempt=attempt, by=by)
