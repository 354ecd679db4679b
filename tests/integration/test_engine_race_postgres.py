"""Two engines on one PostgreSQL store race to run the same plan: no step attempt starts twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import LibraryEventStore
from core.domain.events import PlanCompleted, StepCompleted, StepStarted
from core.domain.plan import PlanState
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import (
    POLL_INTERVAL_S,
    RandomIds,
    SystemClock,
    ToolBench,
    open_store,
    plan_spec,
    step,
)

pytestmark = pytest.mark.postgres

WIDTH = 60
RACES = 3


@pytest.fixture
def two_stores(postgres_url: str) -> Iterator[tuple[LibraryEventStore, LibraryEventStore]]:
    first = open_store(postgres_url)
    second = open_store(postgres_url)
    yield first, second
    first.close()
    second.close()


def wide_plan_with_one_retry_per_step() -> dict[str, object]:
    """Every step fails once, and the retries fall due 15 ms apart.

    The engine that records an outcome refills free slots in the same append, so the other
    engine only gets a slot when a retry falls due. Spacing the retries wider than a call lasts
    makes each of the 60 a fresh race that either engine can win.
    """
    return plan_spec(
        *(
            step(
                f"s{index:02}",
                tool="fail",
                parameters={"times": 1, "hold_ms": 5},
                max_retries=1,
                retry_delay_ms=30 + 15 * index,
            )
            for index in range(WIDTH)
        ),
        max_parallel_steps=WIDTH,
    )


def test_two_engines_running_one_plan_never_start_the_same_attempt_twice(
    two_stores: tuple[LibraryEventStore, LibraryEventStore],
) -> None:
    # Which engine wins each race is up to the machine; on a busy one a single plan may go
    # wholly to one engine, so race again (at most RACES plans) until both have taken part.
    took_part: set[str | None] = set()
    for _ in range(RACES):
        took_part |= race_one_plan(two_stores)
        if took_part == {"w-a", "w-b"}:
            break
    assert took_part == {"w-a", "w-b"}


def race_one_plan(two_stores: tuple[LibraryEventStore, LibraryEventStore]) -> set[str | None]:
    """Both engines execute one fresh plan; check each attempt started once; who started any."""
    bench = ToolBench()
    services = [
        PlanService(
            store,
            bench.registry(),
            SystemClock(),
            RandomIds(),
            expressions=JinjaExpressions(),
            json_schemas=JsonSchemaChecker(),
            worker=worker,
            poll_interval_s=POLL_INTERVAL_S,
        )
        for store, worker in zip(two_stores, ("w-a", "w-b"), strict=True)
    ]
    plan_id = services[0].create_plan(wide_plan_with_one_retry_per_step(), by="alice")
    together = threading.Barrier(2)

    def execute(service: PlanService) -> PlanState:
        together.wait(timeout=10)
        return service.execute(plan_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        ended = list(pool.map(execute, services, timeout=60))

    assert [plan.status for plan in ended] == [PlanStatus.COMPLETED, PlanStatus.COMPLETED]
    history = services[1].history(plan_id)
    starts = [event for event in history if isinstance(event, StepStarted)]
    attempts = Counter((event.step_id, event.attempt) for event in starts)
    assert max(attempts.values()) == 1
    every_step = {f"s{index:02}" for index in range(WIDTH)}
    assert set(attempts) == {(step_id, attempt) for step_id in every_step for attempt in (1, 2)}
    completed = Counter(event.step_id for event in history if isinstance(event, StepCompleted))
    assert completed == dict.fromkeys(every_step, 1)
    assert sum(isinstance(event, PlanCompleted) for event in history) == 1
    assert bench.call_counts() == attempts
    ran_on = {(call.step_id, call.attempt): call.worker for call in bench.calls}
    assert ran_on == {(event.step_id, event.attempt): event.worker for event in starts}
    return {event.worker for event in starts}
