"""The engine waits through its clock: a test clock drives an hour's retry delay and a timeout.

Neither test waits for the time it covers: the engine sleeps on the clock, and the test moves it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import LibraryEventStore
from core.domain.events import (
    PlanCompleted,
    PlanFailed,
    StepCompleted,
    StepFailed,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import PlanState
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, ToolBench, plan_spec, step, wait_until

START = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)
HOUR_MS = 3_600_000
MINUTE_MS = 60_000


class ManualClock:
    """Time that moves only when the test advances it.

    `wait` returns True when woken, False once the test has moved time past its deadline.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._waiters = 0
        self.closed = threading.Event()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta

    @property
    def waiters(self) -> int:
        """How many threads wait on this clock now."""
        with self._lock:
            return self._waiters

    def wait(self, wakeup: threading.Event, timeout_s: float) -> bool:
        with self._lock:
            deadline = self._now + timedelta(seconds=timeout_s)
            self._waiters += 1
        try:
            # the real wait only bounds how soon an `advance` is noticed
            while not wakeup.wait(0.005):
                if self.now() >= deadline or self.closed.is_set():
                    return False
            return True
        finally:
            with self._lock:
                self._waiters -= 1


@pytest.fixture
def store_url() -> str:
    return "memory://"


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    manual = ManualClock(START)
    yield manual
    manual.closed.set()  # an engine a failed test left waiting ends


@pytest.fixture
def service(store: LibraryEventStore, bench: ToolBench, clock: ManualClock) -> PlanService:
    return PlanService(
        store,
        bench.registry(),
        clock,
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="w-1",
        poll_interval_s=1.0,
    )


class Execution:
    """`execute` on a thread of its own, as the test moves the clock."""

    def __init__(self, service: PlanService, plan_id: UUID) -> None:
        self.ended: list[PlanState] = []
        self._thread = threading.Thread(
            target=lambda: self.ended.append(service.execute(plan_id)), daemon=True
        )
        self._thread.start()

    def join(self) -> PlanState:
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "execute did not return"
        return self.ended[0]


def asleep_after(service: PlanService, clock: ManualClock, plan_id: UUID, kind: type) -> None:
    """Wait (in real time, with a deadline) until `kind` is recorded and the engine sleeps."""
    wait_until(
        lambda: any(isinstance(e, kind) for e in service.history(plan_id)) and clock.waiters > 0,
        what=f"the engine to sleep after {kind.__name__}",
    )


def test_a_retry_an_hour_later_runs_once_the_clock_has_moved_an_hour(
    service: PlanService, clock: ManualClock
) -> None:
    spec = plan_spec(
        step(
            "flaky",
            tool="fail",
            parameters={"times": 1},
            max_retries=1,
            retry_delay_ms=HOUR_MS,
        )
    )
    plan_id = service.create_plan(spec, by="alice")
    execution = Execution(service, plan_id)
    asleep_after(service, clock, plan_id, StepFailed)
    before = service.history(plan_id)

    clock.advance(timedelta(milliseconds=HOUR_MS))
    ended = execution.join()

    assert not any(isinstance(e, StepStarted) and e.attempt == 2 for e in before)
    history = service.history(plan_id)
    failed = next(e for e in history if isinstance(e, StepFailed))
    assert failed.will_retry
    assert failed.timestamp == START
    assert failed.retry_at == START + timedelta(hours=1)
    retried = next(e for e in history if isinstance(e, StepStarted) and e.attempt == 2)
    assert retried.timestamp == START + timedelta(hours=1)
    completed = next(e for e in history if isinstance(e, StepCompleted))
    assert completed.attempt == 2
    assert isinstance(history[-1], PlanCompleted)
    assert ended.status.value == "completed"


def test_a_step_times_out_when_the_clock_passes_its_timeout(
    service: PlanService, clock: ManualClock, bench: ToolBench
) -> None:
    spec = plan_spec(
        step("slow", tool="block", parameters={"max_wait_ms": 30_000}, timeout_ms=MINUTE_MS)
    )
    plan_id = service.create_plan(spec, by="alice")
    execution = Execution(service, plan_id)
    asleep_after(service, clock, plan_id, StepStarted)
    still_running = bench.ended_by.get(("slow", 1))

    clock.advance(timedelta(milliseconds=MINUTE_MS))
    ended = execution.join()

    assert still_running is None
    history = service.history(plan_id)
    timed_out = next(e for e in history if isinstance(e, StepTimedOut))
    assert timed_out.timestamp == START + timedelta(minutes=1)
    assert timed_out.duration_ms == MINUTE_MS
    assert not timed_out.will_retry
    assert isinstance(history[-1], PlanFailed)
    assert ended.status.value == "failed"
    wait_until(lambda: ("slow", 1) in bench.ended_by, what="the abandoned call to end")
    assert bench.ended_by[("slow", 1)] == "cancelled"
