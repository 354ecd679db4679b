"""A worker in this process on a real PostgreSQL: what it picks up with no CLI in between.

Only `PlanService` acts on the plans besides the worker: a retry of an ended plan and an
approval deadline reach the worker through the store alone.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self
from uuid import UUID

import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import parse_store_url
from adapters.workers import Worker, WorkerOptions, WorkQueue, init_store
from core.domain.events import ENGINE_ACTOR, PlanRejected
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import (
    RandomIds,
    SystemClock,
    ToolBench,
    open_store,
    plan_spec,
    step,
    wait_until,
)
from tests.integration.engine_contract_support import events_of

pytestmark = pytest.mark.postgres

POLL_S = 0.02


class Polling:
    """Wakes the worker every `POLL_S` seconds: these tests need no notifications."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        stop.wait(min(POLL_S, timeout))


@contextmanager
def new_service(postgres_url: str, bench: ToolBench, worker: str) -> Iterator[PlanService]:
    store = open_store(postgres_url)
    try:
        yield PlanService(
            store,
            bench.registry(),
            SystemClock(),
            RandomIds(),
            expressions=JinjaExpressions(),
            json_schemas=JsonSchemaChecker(),
            worker=worker,
            poll_interval_s=POLL_S,
        )
    finally:
        store.close()


@pytest.fixture
def queue(postgres_url: str) -> Iterator[WorkQueue]:
    init_store(parse_store_url(postgres_url))
    opened = WorkQueue(parse_store_url(postgres_url))
    yield opened
    opened.close()


@pytest.fixture
def service(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[PlanService]:
    """The service an operator or a program uses, apart from the worker's."""
    with new_service(postgres_url, bench, "ops") as opened:
        yield opened


@pytest.fixture
def worker(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[None]:
    """One worker running in a thread until the test ends."""
    options = WorkerOptions(worker_id="w-1", concurrency=2, lease_s=5.0, poll_s=POLL_S)
    stop = threading.Event()
    with (
        new_service(postgres_url, bench, "w-1") as service,
        Worker(service, WorkQueue(parse_store_url(postgres_url)), Polling, options) as running,
    ):
        thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
        thread.start()
        yield
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def queued(service: PlanService, queue: WorkQueue, spec: dict[str, object]) -> UUID:
    plan_id = queue.add(uuid.uuid4(), None)
    service.create_plan(spec, by="alice", plan_id=plan_id)
    return plan_id


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
