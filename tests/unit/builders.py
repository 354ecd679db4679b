"""Builders shared by the unit tests: specs, plans driven by decisions, and an explicit clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.expressions import JinjaExpressions
from core.domain.decisions import (
    Outcome,
    apply_decisions,
    approve,
    cancel,
    create_plan,
    record_outcome,
    reject,
    resume,
    start_execution,
)
from core.domain.events import PlanEvent
from core.domain.plan import PlanState, evolve
from core.domain.scheduler import Schedule, decide
from core.domain.spec import PlanSpec
from core.domain.status import StepStatus

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
PLAN_ID = UUID(int=1)
CORRELATION_ID = UUID(int=2)
WORKER = "worker-1"
EXPRESSIONS = JinjaExpressions()
"""The real sandboxed language: the core takes it as a port, tests use the real thing."""


def at(ms: int) -> datetime:
    """The time `ms` milliseconds after `T0`."""
    return T0 + timedelta(milliseconds=ms)


def step(step_id: str, *depends_on: str, tool: str = "echo", **fields: Any) -> dict[str, Any]:
    """Raw data of one step."""
    return {"id": step_id, "tool": tool, "depends_on": list(depends_on), **fields}


def spec(*steps: dict[str, Any], **options: Any) -> PlanSpec:
    """A parsed spec of these steps and options (no tool checks: the pure core needs none)."""
    return PlanSpec.model_validate(
        {"description": "a test plan", "options": options, "steps": list(steps)}
    )


@dataclass
class Ledger:
    """A plan's state and the events recorded for it, driven by the decision functions."""

    plan: PlanState
    events: list[PlanEvent] = field(default_factory=list)

    def record(self, events: Iterable[PlanEvent]) -> list[PlanEvent]:
        """Apply events to the plan and keep them."""
        recorded = list(events)
        for event in recorded:
            evolve(self.plan, event)
        self.events.extend(recorded)
        return recorded

    def decide(self, now: datetime) -> Schedule:
        return decide(self.plan, now, EXPRESSIONS)

    def settle(self, now: datetime) -> list[PlanEvent]:
        """Decide and apply until nothing is left to decide at `now`, as the engine does."""
        recorded: list[PlanEvent] = []
        while decisions := decide(self.plan, now, EXPRESSIONS).decisions:
            recorded += self.record(
                apply_decisions(
                    self.plan, decisions, now=now, worker=WORKER, correlation_id=CORRELATION_ID
                )
            )
        return recorded

    def succeed(self, step_id: str, now: datetime, result: Any = None) -> list[PlanEvent]:
        """Record that the running attempt of `step_id` succeeded."""
        return self.record(
            record_outcome(
                self.plan,
                Outcome(step_id, self.attempt(step_id), 1, result=result),
                now=now,
                correlation_id=CORRELATION_ID,
            )
        )

    def fail(self, step_id: str, now: datetime, error_type: str = "boom") -> list[PlanEvent]:
        """Record that the running attempt of `step_id` failed."""
        outcome = Outcome(
            step_id, self.attempt(step_id), 1, error_type=error_type, message="it broke"
        )
        return self.record(
            record_outcome(self.plan, outcome, now=now, correlation_id=CORRELATION_ID)
        )

    def approve(self, by: str, now: datetime = T0) -> list[PlanEvent]:
        return self.record(
            approve(self.plan, by=by, comment="ok", now=now, correlation_id=CORRELATION_ID)
        )

    def reject(self, by: str, now: datetime = T0) -> list[PlanEvent]:
        return self.record(
            reject(self.plan, by=by, reason="no", now=now, correlation_id=CORRELATION_ID)
        )

    def cancel(self, by: str, now: datetime) -> list[PlanEvent]:
        return self.record(
            cancel(self.plan, by=by, reason="enough", now=now, correlation_id=CORRELATION_ID)
        )

    def start_execution(self, now: datetime = T0) -> list[PlanEvent]:
        return self.record(start_execution(self.plan, now=now, correlation_id=CORRELATION_ID))

    def resume(self, by: str, now: datetime) -> list[PlanEvent]:
        return self.record(resume(self.plan, by=by, now=now, correlation_id=CORRELATION_ID))

    def attempt(self, step_id: str) -> int:
        return self.plan.steps[step_id].attempt

    def status(self, step_id: str) -> StepStatus:
        return self.plan.steps[step_id].status


def created_plan(plan_spec: PlanSpec, *, by: str = "alice", now: datetime = T0) -> Ledger:
    """A plan just created (and submitted, and auto-approved if its options say so)."""
    first, *rest = create_plan(PLAN_ID, plan_spec, by=by, now=now, correlation_id=CORRELATION_ID)
    ledger = Ledger(evolve(None, first), [first])
    ledger.record(rest)
    return ledger


def executing_plan(plan_spec: PlanSpec, *, now: datetime = T0) -> Ledger:
    """A plan created, approved if it needs it, and executing; nothing started yet."""
    ledger = created_plan(plan_spec, now=now)
    if plan_spec.options.needs_approval:
        ledger.approve("alice", now)
    ledger.start_execution(now)
    return ledger
