"""A plan whose processing keeps crashing engines is quarantined; the worker and the rest go on.

The engine here crashes (an exception out of it, as a bug or a `MemoryError` would) whenever it
starts a step of the poisoned plan; a lease that lapses (a worker that died holding the plan)
counts as a crash too. After `max_crashes` in a row the plan ends with
`PlanQuarantinedAfterCrashes`, naming the worker, the count and the last crash.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from uuid import UUID

import pytest

from adapters.store import LibraryEventStore
from adapters.workers import WorkQueue
from core.domain.events import PlanEvent, PlanQuarantinedAfterCrashes, StepStarted
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import (
    ToolBench,
    open_store,
    plan_spec,
    step,
    wait_until,
)
from tests.integration.worker_in_thread import engine_on, queue, queued, service, worker_running

pytestmark = pytest.mark.postgres

__all__ = ["queue", "service"]  # fixtures of worker_in_thread, requested by name


class CrashingStore:
    """A store through which the engine crashes whenever it starts a step of a poisoned plan."""

    def __init__(self, inner: LibraryEventStore) -> None:
        self.inner = inner
        self.poisoned: set[UUID] = set()

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self.inner.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        if any(isinstance(e, StepStarted) and e.plan_id in self.poisoned for e in events):
            raise RuntimeError("engine fault while starting a step")
        self.inner.append(events)


@pytest.fixture
def crashing(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[CrashingStore]:
    """A worker whose engine crashes on the poisoned plans, running until the test ends."""
    store = open_store(postgres_url)
    wrapped = CrashingStore(store)
    try:
        with worker_running(engine_on(wrapped, bench, "w-1"), postgres_url):
            yield wrapped
    finally:
        store.close()


def test_a_plan_that_crashes_the_engine_three_times_is_quarantined_and_the_others_complete(
    crashing: CrashingStore, service: PlanService, queue: WorkQueue
) -> None:
    poisoned = plan_spec(step("a"), step("b", depends_on=["a"]))
    poisoned_id = queued_poisoned(crashing, service, queue, poisoned)
    ordinary = [queued(service, queue, plan_spec(step("a"), step("b"))) for _ in range(3)]

    wait_until(lambda: all(is_done for _, _, is_done in queue.leases()), timeout=30)

    assert [service.get_plan(p).status for p in ordinary] == [PlanStatus.COMPLETED] * 3
    plan = service.get_plan(poisoned_id)
    assert plan.status is PlanStatus.FAILED
    last = service.history(poisoned_id)[-1]
    assert isinstance(last, PlanQuarantinedAfterCrashes)
    assert (last.by, last.crashes) == ("w-1", 3)
    assert last.reason == "RuntimeError: engine fault while starting a step"
    assert plan.reason == last.reason
    assert {s: st.status.value for s, st in plan.steps.items()} == {"a": "skipped", "b": "skipped"}


def queued_poisoned(
    crashing: CrashingStore, service: PlanService, queue: WorkQueue, spec: dict[str, object]
) -> UUID:
    plan_id = queue.add(uuid.uuid4(), None)
    crashing.poisoned.add(plan_id)
    service.create_plan(spec, by="alice", plan_id=plan_id)
    return plan_id


def test_taking_over_an_expired_lease_counts_as_a_crash_and_a_clean_release_resets_it(
    service: PlanService, queue: WorkQueue
) -> None:
    plan_id = queued(service, queue, plan_spec(step("a")))
    [first] = queue.claim("dies", 1, lease_s=0.05)
    time.sleep(0.1)  # the lease must lapse: it is timed by the database's clock

    [taken] = queue.claim("takes-over", 1, lease_s=5.0)
    queue.release("takes-over", plan_id, seen_version=0, due_at=None)
    [again] = queue.claim("next", 1, lease_s=5.0)

    assert (first.crashes, first.expired_owner) == (0, None)
    assert (taken.crashes, taken.expired_owner) == (1, "dies")
    assert taken.last_crash == "worker dies stopped renewing its lease (it died or stalled)"
    assert again.crashes == 0
