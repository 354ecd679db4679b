"""What the engine contract modules share: reading a history, crashing a run, recording stores."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from uuid import UUID

from adapters.expressions import JinjaExpressions
from adapters.store import LibraryEventStore
from core.domain.decisions import Outcome, apply_decisions, record_outcome, start_execution
from core.domain.events import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import PlanState, evolve
from core.domain.ports import EventStore
from core.domain.scheduler import decide
from core.runtime.service import PlanService
from tests.integration.conftest import SystemClock

E = TypeVar("E", bound=PlanEvent)
MakeService = Callable[..., PlanService]


def events_of(history: Sequence[PlanEvent], kind: type[E], step_id: str | None = None) -> list[E]:
    """The events of one type, optionally of one step, in recorded order."""
    return [
        event
        for event in history
        if isinstance(event, kind)
        and (step_id is None or getattr(event, "step_id", None) == step_id)
    ]


def position(history: Sequence[PlanEvent], kind: type[PlanEvent], step_id: str) -> int:
    """Where the first event of this type for this step is in the history."""
    for index, event in enumerate(history):
        if isinstance(event, kind) and getattr(event, "step_id", None) == step_id:
            return index
    raise AssertionError(f"no {kind.__name__} for step {step_id!r}")


def most_running_at_once(history: Sequence[PlanEvent]) -> int:
    """The most steps the recorded history shows running at the same time."""
    running = most = 0
    for event in history:
        if isinstance(event, StepStarted):
            running += 1
            most = max(most, running)
        elif isinstance(event, StepCompleted | StepFailed | StepTimedOut | StepCancelled):
            running -= 1
    return most


def crash_while_running(
    service: PlanService,
    store: EventStore,
    plan_id: UUID,
    clock: SystemClock,
    completed: Sequence[str] = (),
) -> list[str]:
    """Record what a worker that died mid-run leaves behind; return the steps it left running.

    The dead worker started the plan, completed the steps named in `completed` and started what
    became ready. No tool is called: the events are decided and appended directly.
    """
    plan = service.get_plan(plan_id)
    now = clock.now()
    correlation_id = uuid.uuid4()
    events = applied(plan, start_execution(plan, now=now, correlation_id=correlation_id))
    while True:
        decisions = decide(plan, now, JinjaExpressions()).decisions
        events += applied(
            plan,
            apply_decisions(
                plan, decisions, now=now, worker="w-dead", correlation_id=correlation_id
            ),
        )
        finished = [step_id for step_id in plan.running if step_id in completed]
        if not finished:
            break
        for step_id in finished:
            outcome = Outcome(step_id, plan.steps[step_id].attempt, 1, result={"run": "earlier"})
            events += applied(
                plan, record_outcome(plan, outcome, now=now, correlation_id=correlation_id)
            )
    store.append(events)
    return list(plan.running)


def applied(plan: PlanState, events: list[PlanEvent]) -> list[PlanEvent]:
    """Fold `events` into `plan` and return them."""
    for event in events:
        evolve(plan, event)
    return events


def in_background(function: Callable[[], Any]) -> Future[Any]:
    """Run `function` on another thread; return its future (the pool shuts down with it)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-background")
    future = pool.submit(function)
    pool.shutdown(wait=False)
    return future


class RecordingStore:
    """The store port, keeping every event appended through it."""

    def __init__(self, store: LibraryEventStore) -> None:
        self.store = store
        self.appended: list[PlanEvent] = []

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self.store.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        self.store.append(events)
        self.appended.extend(events)


class InterferingStore(RecordingStore):
    """Runs `do` once, just before the first append that holds the named step's event."""

    def __init__(
        self,
        store: LibraryEventStore,
        *,
        before: tuple[str, type[PlanEvent]],
        do: Callable[[Sequence[PlanEvent]], None],
    ) -> None:
        super().__init__(store)
        self.before = before
        self.do = do
        self.interfered = False

    def append(self, events: Sequence[PlanEvent]) -> None:
        step_id, kind = self.before
        hit = any(isinstance(e, kind) and getattr(e, "step_id", None) == step_id for e in events)
        if hit and not self.interfered:
            self.interfered = True
            self.do(events)
        super().append(events)
