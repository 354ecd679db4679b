"""A worker in this process on a real PostgreSQL: what it picks up with no CLI in between.

Only `PlanService` acts on the plans besides the worker: a retry of an ended plan and an
approval deadline reach the worker through the store alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from adapters.workers import WorkQueue
from core.domain.events import ENGINE_ACTOR, PlanRejected
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import (
    ToolBench,
    plan_spec,
    step,
    wait_until,
)
from tests.integration.engine_contract_support import events_of
from tests.integration.worker_in_thread import new_service, queue, queued, service, worker_running

pytestmark = pytest.mark.postgres

__all__ = ["queue", "service"]  # fixtures of worker_in_thread, requested by name


@pytest.fixture
def worker(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[None]:
    """One worker running in a thread until the test ends."""
    with new_service(postgres_url, bench, "w-1") as service, worker_running(service, postgres_url):
        yield


def done(queue: WorkQueue, plan_id: UUID) -> bool:
    return queue.leases() == [(plan_id, None, True)]


def test_a_retry_of_an_ended_queued_plan_through_the_service_alone_is_run_by_a_worker(
    service: PlanService, queue: WorkQueue, bench: ToolBench, worker: None
) -> None:
    plan_id = queued(service, queue, plan_spec(step("flaky", tool="fail", parameters={"times": 1})))
    wait_until(lambda: done(queue, plan_id), timeout=15, what="the worker to end the plan")
    ended = service.get_plan(plan_id)

    service.retry(plan_id, "flaky", by="olga", reason="fixed upstream")
    wait_until(
        lambda: service.get_plan(plan_id).is_terminal and done(queue, plan_id),
        timeout=15,
        what="a worker to run the retried step and hand the plan back",
    )

    assert ended.status is PlanStatus.FAILED
    assert service.get_plan(plan_id).status is PlanStatus.COMPLETED
    assert bench.call_counts() == {("flaky", 1): 1, ("flaky", 2): 1}


def test_a_worker_records_the_expiry_of_a_queued_plan_nobody_approved_in_time(
    service: PlanService, queue: WorkQueue, bench: ToolBench, worker: None
) -> None:
    spec = plan_spec(step("deploy"), require_approval=True, approval_timeout_ms=300)

    plan_id = queued(service, queue, spec)
    wait_until(lambda: done(queue, plan_id), timeout=15, what="the worker to record the expiry")

    plan = service.get_plan(plan_id)
    [expired] = events_of(service.history(plan_id), PlanRejected)
    assert plan.status is PlanStatus.REJECTED
    assert (expired.expired, expired.by) == (True, ENGINE_ACTOR)
    assert bench.calls == []
